/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The API's origin when it differs from the console's (cross-origin: CORS). */
  readonly VITE_API_BASE_URL?: string
}
