/** The two databases ssobridge runs on; migrations and repositories branch on it where SQL differs. */
export type Dialect = 'sqlite' | 'postgres';
