import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dropTestDatabases } from '../helpers/databases.js';
import { operatorActor, restAppInput, startTestApp } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

/** The ```sh blocks of docs/api.md, in order. */
function shellBlocks(): string[] {
  const markdown = fs.readFileSync('docs/api.md', 'utf8');
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

describe('docs/api.md', () => {
  it('has curl examples that run as written against a fresh server', async () => {
    const instance = await startTestApp('sqlite');
    try {
      const { app } = instance;
      await app.listen({ port: 0, host: '127.0.0.1' });
      const port = (app.server.address() as AddressInfo).port;
      // What the reader does in the console first: one credential, one application.
      const { account } = await app.services.accounts.ensureDefaultAccount(operatorActor);
      const credential = await app.services.credentials.createConnectionApiCredential(operatorActor(account.id), { description: 'docs' });
      const application = await app.services.applications.createApplication(operatorActor(account.id), restAppInput('Billing'));

      // The reader's placeholders (lines with …) are filled from this setup; everything else runs verbatim.
      const script = ['set -euo pipefail', ...shellBlocks()].join('\n').replace(/^export (SSO|CLIENT_ID|CLIENT_SECRET|SAASID)=.*$/gm, '');
      const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-docs-'));
      const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(
          'bash',
          ['-c', script],
          {
            cwd,
            env: {
              ...process.env,
              SSO: `http://127.0.0.1:${port}`,
              CLIENT_ID: credential.credential.clientId,
              CLIENT_SECRET: credential.clientSecret,
              SAASID: application.saasid,
            },
          },
          (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
      fs.rmSync(cwd, { recursive: true, force: true });
      expect(result.stderr.split('\n').filter((l) => l.includes('curl:'))).toEqual([]);
      expect(result.code, result.stdout.slice(-2000)).toBe(0);
      expect(result.stdout).toContain('"idpId":"customer001.com"');
      expect(result.stdout).toContain('"entityId":"https://idp.customer002.com/saml"');
      expect(result.stdout).toContain('<md:EntityDescriptor');
      expect(result.stdout).toContain('"action":"customer.created"');
      // The walk-through ends by deleting what it made.
      expect((await app.services.customers.listCustomers(account.id, {})).customers).toEqual([]);
    } finally {
      await instance.close();
    }
  });
});
