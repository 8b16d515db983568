/**
 * Loads an Ink view module with React's production build. React picks its build from NODE_ENV
 * when it is first imported; the development build costs about 1.6x the CPU per frame. NODE_ENV
 * is set only for the import and restored afterwards, so the commands and services stagecraft
 * starts still inherit the operator's environment unchanged.
 */
export async function loadUi<T>(load: () => Promise<T>): Promise<T> {
  const before = process.env.NODE_ENV;
  if (before === undefined) process.env.NODE_ENV = 'production';
  try {
    return await load();
  } finally {
    if (before === undefined) delete process.env.NODE_ENV;
  }
}
