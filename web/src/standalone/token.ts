/** The standalone console's bearer token: kept in sessionStorage for this tab only. */
const KEY = 'carexps.billing.token'

/**
 * The token from a `#token=…` link (moved to sessionStorage, fragment cleared from the
 * address bar and history), else the one already stored.
 */
export function takeToken(): string | null {
  const fragment = new URLSearchParams(window.location.hash.slice(1))
  const fromLink = fragment.get('token')
  if (fromLink) {
    storeToken(fromLink)
    const { pathname, search } = window.location
    window.history.replaceState(window.history.state, '', pathname + search)
  }
  return sessionStorage.getItem(KEY)
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token.trim())
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY)
}
