/** The repository root, derived from this file's location. */
export const repoRoot = fromFileUrl(new URL("../..", import.meta.url)).replace(/\/$/, "");

export function fromFileUrl(url: URL): string {
  return decodeURIComponent(url.pathname);
}
