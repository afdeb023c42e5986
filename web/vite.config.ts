import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// Standalone build: served by the local API server at /admin/billing/ (same origin as
// /api/billing). `npm run dev` (port 5173) talks to `make serve` on 7071 (CORS there).
export default defineConfig({
  base: '/admin/billing/',
  plugins: [react()],
  server: { port: 5173, strictPort: true },
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 900 },
})
