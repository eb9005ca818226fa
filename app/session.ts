/**
 * The editor's side of logging in: when the server answers 401 (no session, or it expired), the
 * tab goes to the login page, which brings it back here afterwards.
 */

/** `fetch` for the tRPC links. */
export const fetchOrLogin: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  if (res.status === 401 && typeof window !== 'undefined') {
    window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
  }
  return res;
};
