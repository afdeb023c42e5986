import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// Standalone build: served by the local API server at /admin/billing/ (same origin as
// /api/billing). `npm run dev` (port 5173) proxies /api to `make serve` on 7071
// (BILLING_API_URL to change it); open http://localhost:5173/admin/billing/.
export default defineConfig({
  base: '/admin/billing/',
  plugins: [react()],
  server: {
    port: 5173,
    strictPort: true,
    proxy: { '/api': process.env.BILLING_API_URL ?? 'http://127.0.0.1:7071' },
  },
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 900 },
})
