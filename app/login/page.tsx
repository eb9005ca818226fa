/**
 * The login page: a token (SPGD_AUTH_TOKEN, or a user's from `spgd users add`) posted to
 * /api/auth/login, which sets the session cookie and returns to `next`. A plain form: it works
 * before any script has loaded.
 */
export const dynamic = 'force-dynamic';

const ERRORS: Record<string, string> = {
  '1': 'That token is not known here.',
  wait: 'Too many attempts: wait a minute and try again.',
};

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ error?: string; next?: string }> }) {
  const { error, next } = await searchParams;
  return (
    <main className="flex h-screen items-center justify-center">
      <form method="post" action="/api/auth/login" className="flex w-80 flex-col gap-3 rounded border border-ink-700 bg-ink-900 p-5" data-testid="login-form">
        <h1 className="text-[15px] text-ink-100">SPGD Studio</h1>
        <label className="flex flex-col gap-1 text-[12px] text-ink-400">
          Access token
          <input
            type="password"
            name="token"
            required
            autoFocus
            autoComplete="current-password"
            className="rounded border border-ink-700 bg-ink-950 px-2 py-1.5 font-mono text-[12px] text-ink-100 outline-none focus:border-accent"
            data-testid="login-token"
          />
        </label>
        <input type="hidden" name="next" value={next ?? '/'} />
        {error && (
          <p className="text-[12px] text-bad" data-testid="login-error">
            {ERRORS[error] ?? 'Log in again.'}
          </p>
        )}
        <button type="submit" className="rounded bg-accent px-3 py-1.5 text-[12px] text-white hover:bg-accent/80" data-testid="login-submit">
          Log in
        </button>
        <p className="text-[11px] text-ink-500">Ask whoever runs this server for a token, or run `spgd users add NAME` there.</p>
      </form>
    </main>
  );
}
