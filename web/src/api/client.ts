/** The typed API client (openapi-fetch over the generated schema) and API errors. */
import createClient, { type Middleware } from 'openapi-fetch'
import type { components, paths } from './schema'

export type Schemas = components['schemas']
export type ApiClient = ReturnType<typeof createClient<paths>>

export interface FieldError {
  field: string
  message: string
}

/** An RFC 9457 problem body as the API sends it (extension members included). */
export interface Problem {
  status: number
  title?: string
  detail?: string
  code?: string
  errors?: FieldError[]
  [extension: string]: unknown
}

const NETWORK_DETAIL = 'Network error. Please check your connection and try again.'

/** A failed API call: the problem body, with its `detail` as the message. */
export class ApiError extends Error {
  readonly problem: Problem

  constructor(problem: Problem) {
    super(problem.detail || problem.title || `The request failed (HTTP ${problem.status}).`)
    this.name = 'ApiError'
    this.problem = problem
  }

  get code(): string | undefined {
    return this.problem.code
  }

  get status(): number {
    return this.problem.status
  }

  /** Field errors keyed by the last part of their field path (`body.customer_email` → `customer_email`). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {}
    for (const e of this.problem.errors ?? []) {
      const key = e.field.split('.').pop() ?? e.field
      out[key] ??= e.message
    }
    return out
  }
}

/** Turn anything thrown or returned as an error into an ApiError. */
export function toApiError(error: unknown, response?: Response): ApiError {
  if (error instanceof ApiError) return error
  if (error && typeof error === 'object' && 'status' in error) return new ApiError(error as Problem)
  if (response) {
    const detail = typeof error === 'string' && error && !error.startsWith('<') ? error : undefined
    return new ApiError({ status: response.status, detail })
  }
  return new ApiError({ status: 0, code: 'network_error', detail: NETWORK_DETAIL })
}

/** The data of an openapi-fetch result, or throw its problem as an ApiError. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response }
  try {
    result = await call
  } catch (error) {
    throw toApiError(error)
  }
  if (result.error !== undefined || !result.response.ok) throw toApiError(result.error, result.response)
  return result.data as T
}

export interface ClientOptions {
  apiBaseUrl: string
  getAccessToken: () => Promise<string>
  /** Called with every problem the API answers (the access gate listens for MFA and 401). */
  onProblem?: (problem: Problem) => void
}

/** A client that sends the bearer token on every request. */
export function makeClient({ apiBaseUrl, getAccessToken, onProblem }: ClientOptions): ApiClient {
  const client = createClient<paths>({ baseUrl: apiBaseUrl.replace(/\/$/, '') })
  const auth: Middleware = {
    async onRequest({ request }) {
      const token = await getAccessToken()
      if (token) request.headers.set('Authorization', `Bearer ${token}`)
      return request
    },
    async onResponse({ response }) {
      if (!response.ok && onProblem && response.headers.get('content-type')?.includes('json')) {
        const body: unknown = await response.clone().json().catch(() => null)
        if (body && typeof body === 'object') onProblem({ status: response.status, ...body } as Problem)
      }
      return response
    },
  }
  client.use(auth)
  return client
}
