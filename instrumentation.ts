/**
 * Runs once when the Next.js server starts: open the database, seed the built-in presets and
 * mark runs that a killed server left running or queued as interrupted -- at boot, not on the
 * first request.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { getServices } = await import('./server/services');
    getServices();
  }
}
