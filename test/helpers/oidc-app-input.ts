/** An OIDC application as an admin would add it: two redirect URIs (one for local development). */
export function oidcAppInput(name = 'Dashboard', overrides: Record<string, unknown> = {}) {
  return {
    kind: 'oidc' as const,
    name,
    redirectUris: ['https://dashboard.example.com/oidc/callback', 'http://localhost:3000/callback'],
    requiredAttributes: [{ name: 'email', required: true }],
    ...overrides,
  };
}
