/** A username/password pair, or an OAuth2 refresh ("identity") token from `docker login`. */
export type Credential = { username: string; password: string } | { identityToken: string };

/**
 * Looks up the credential for a registry (as written in the reference, e.g. "docker.io",
 * "localhost:5000"). Resolves undefined when there is none; never rejects for a missing entry.
 */
export type CredentialProvider = (registryHost: string) => Promise<Credential | undefined>;

export function isIdentityToken(credential: Credential): credential is { identityToken: string } {
  return "identityToken" in credential;
}

/** A provider that always answers with the same credential, for tests and explicit --username flags. */
export function staticCredentials(credential: Credential | undefined): CredentialProvider {
  return async () => credential;
}

/** Tries each provider in order and returns the first credential found. */
export function chainCredentials(...providers: CredentialProvider[]): CredentialProvider {
  return async (registryHost) => {
    for (const provider of providers) {
      const credential = await provider(registryHost);
      if (credential) return credential;
    }
    return undefined;
  };
}
