// Waiting for a positive signal instead of sleeping a fixed time: on a loaded machine a fixed sleep
// is either too short (the test fails) or proves nothing (it passes before the thing could happen).

/** Resolves once `check` holds (polled every 20 ms); rejects naming `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
