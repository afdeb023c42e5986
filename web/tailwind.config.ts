import type { Config } from 'tailwindcss'

// The spec's palette (§11): primary blue, success green, warning amber, danger red.
export default {
  content: ['./index.html', './src/**/*.{ts,tsx}'],
  theme: {
    extend: {
      fontFamily: { sans: ['Roboto', 'Inter', 'system-ui', 'sans-serif'] },
      colors: {
        primary: '#3B82F6',
        success: '#10B981',
        warning: '#F59E0B',
        danger: '#EF4444',
        neutral: '#6B7280',
      },
    },
  },
  plugins: [],
} satisfies Config
