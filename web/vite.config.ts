import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Vite reads its config from a default export.
export default defineConfig({
  // The server serves the console under its own prefix (src/server/internal-routes.ts).
  base: '/_seawall/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No source maps in the shipped console: they would double what the server reads at startup.
    sourcemap: false,
    // Every asset is a file, so the Content-Security-Policy needs no data: sources.
    assetsInlineLimit: 0,
  },
});
