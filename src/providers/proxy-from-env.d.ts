// proxy-from-env ships no types; this is the one function canary-gate uses.
declare module 'proxy-from-env' {
  /** The proxy URL for `url` from *_PROXY and NO_PROXY in the environment, or '' for none. */
  export function getProxyForUrl(url: string | URL): string
}
