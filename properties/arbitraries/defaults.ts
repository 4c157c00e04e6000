/**
 * The options' defaults (PyTorch's), and leaving them out: half the generated cases omit every option
 * whose drawn value is its default, so the backend's own default runs and a wrong one is caught.
 */

/** nn.Conv2d's defaults. */
export const CONV_DEFAULTS: Readonly<Record<string, unknown>> = { stride: [1, 1], padding: 0, dilation: [1, 1], groups: 1 };

/** The pools' defaults (stride's default, the window, is drawn as an omitted stride by the generators). */
export const POOL_DEFAULTS: Readonly<Record<string, unknown>> = { padding: 0, ceilMode: false, countIncludePad: true, dilation: [1, 1] };

/** `options` without the options whose value is their default in `defaults`, and without undefined ones. */
export function withoutDefaults<T extends object>(options: T, defaults: Readonly<Record<string, unknown>>): T {
  return Object.fromEntries(
    Object.entries(options).filter(([key, value]) => value !== undefined && !(key in defaults && JSON.stringify(defaults[key]) === JSON.stringify(value))),
  ) as T;
}
