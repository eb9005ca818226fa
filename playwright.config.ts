/**
 * End-to-end tests of the editor (e2e/*.spec.ts) in Debian's Chromium (never `playwright
 * install`). The web server is the production build with the test-only fixture routes on
 * (SPGD_TEST_ROUTES=1); an already running server on the same port is reused.
 *
 *   npm run test:e2e                        # build, start on :3100, run
 *   PLAYWRIGHT_PORT=3200 npm run test:e2e   # another port (a server already listening there is reused)
 */
import { defineConfig, devices } from '@playwright/test';

const PORT = Number(process.env.PLAYWRIGHT_PORT ?? process.env.E2E_PORT ?? 3100);

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  // Runs share one server and one run queue: keep them in order.
  fullyParallel: false,
  workers: 1,
  timeout: 180_000,
  expect: { timeout: 30_000 },
  retries: process.env.CI ? 1 : 0,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    baseURL: `http://localhost:${PORT}`,
    viewport: { width: 1600, height: 950 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'], viewport: { width: 1600, height: 950 }, deviceScaleFactor: 1 } }],
  webServer: {
    // `npm run start` is `next build && next start`; the port goes to next start.
    command: `npm run start -- -p ${PORT}`,
    url: `http://localhost:${PORT}`,
    reuseExistingServer: true,
    timeout: 900_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: { SPGD_TEST_ROUTES: '1', NEXT_TELEMETRY_DISABLED: '1' },
  },
});
