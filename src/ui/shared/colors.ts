/** NO_COLOR support: chalk 5 (used by Ink) ignores NO_COLOR, so the components drop colours themselves. */
import { createContext, useContext } from 'react';

/** Whether colours are wanted: false when NO_COLOR is set to a non-empty value (no-color.org). */
export function colorsWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env['NO_COLOR'];
  return v === undefined || v === '';
}

/** Whether the components may use colours. */
export const ColorsContext = createContext(true);

/** A colour prop that disappears under NO_COLOR. */
export function useTone(): (color: string | undefined) => string | undefined {
  const colors = useContext(ColorsContext);
  return (color) => (colors ? color : undefined);
}
