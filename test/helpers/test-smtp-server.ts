import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface TestSmtpServer {
  /** `smtp://user:password@127.0.0.1:port`, as SMTP_URL. */
  url: string;
  password: string;
  /** Messages received, parsed by mailparser, in arrival order. */
  messages: ParsedMail[];
  /** Connections opened to this server so far (to prove that building the app opens none). */
  connections(): number;
  close(): Promise<void>;
}

/**
 * A real SMTP server (nodemailer's smtp-server) on a random loopback port that requires AUTH.
 * `echoPasswordOnRefusal` makes it refuse every sign-in with an answer that repeats the password
 * it was given, as a careless server might: our error pages and logs must still not show it.
 */
export async function startTestSmtpServer(options: { user?: string; password?: string; echoPasswordOnRefusal?: boolean } = {}): Promise<TestSmtpServer> {
  const user = options.user ?? 'mailer';
  const password = options.password ?? 'smtp-password-must-not-leak';
  const messages: ParsedMail[] = [];
  let connections = 0;
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    // Plain TCP on loopback: no certificate to set up, so AUTH is allowed without TLS.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onConnect(_session, callback) {
      connections += 1;
      callback();
    },
    onAuth(auth, _session, callback) {
      if (!options.echoPasswordOnRefusal && auth.username === user && auth.password === password) {
        callback(null, { user: auth.username });
        return;
      }
      const refusal = Object.assign(new Error(options.echoPasswordOnRefusal ? `Authentication failed for password ${auth.password ?? ''}` : 'Authentication failed'), { responseCode: 535 });
      callback(refusal);
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          messages.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    password,
    messages,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
