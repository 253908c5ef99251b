import nodemailer from 'nodemailer';
import { AppError } from '../errors.js';

/** A plain-text message to one recipient. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** Sends mail; one job, so domain services take it as a dependency and never see SMTP settings. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** Why nodemailer failed, in words an admin can act on (its error codes: nodemailer/lib/errors). */
function reasonOf(code: string | undefined, server: string): string {
  switch (code) {
    case 'EAUTH':
    case 'ENOAUTH':
      return `The mail server ${server} refused our sign-in: check the user name and password in SMTP_URL.`;
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'EDNS':
    case 'ETIMEDOUT':
    case 'ETLS':
    case 'EPROTOCOL':
    case 'EPROXY':
      return `The mail server ${server} could not be reached or did not answer in time.`;
    case 'EENVELOPE':
      return `The mail server ${server} refused the sender or the recipient address.`;
    default:
      return `The mail server ${server} did not accept the message.`;
  }
}

/**
 * A mailer over SMTP (`smtp://user:pass@host:587`, STARTTLS when offered; `smtps://` for TLS from
 * the start). Building it opens nothing: each send opens one connection, bounded by `timeoutMs`
 * per step (connect, greeting, every later reply). Failures become MAIL_NOT_SENT with a message
 * that never holds the password, not even when the server echoes it back.
 */
export function createSmtpMailer(options: { url: string; from: string; timeoutMs: number }): Mailer {
  const url = new URL(options.url);
  const secure = url.protocol === 'smtps:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? (secure ? 465 : 587) : Number(url.port);
  const password = decodeURIComponent(url.password);
  const server = `${host}:${port}`;
  const secrets = [...new Set([password, url.password, Buffer.from(password).toString('base64')])].filter((s) => s.length > 0);
  const scrub = (text: string) => secrets.reduce((out, secret) => out.split(secret).join('[REDACTED]'), text);

  const transport = nodemailer.createTransport({
    host,
    port,
    secure,
    ...(url.username !== '' && { auth: { user: decodeURIComponent(url.username), pass: password } }),
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    logger: false,
    debug: false,
  });

  return {
    async send(message) {
      try {
        await transport.sendMail({ from: options.from, to: message.to, subject: message.subject, text: message.text });
      } catch (error) {
        const failure = error as { code?: unknown; responseCode?: unknown; response?: unknown; message?: unknown };
        const code = typeof failure.code === 'string' ? failure.code : undefined;
        const answer = typeof failure.response === 'string' ? failure.response : typeof failure.message === 'string' ? failure.message : 'unknown error';
        // No `cause`: nodemailer's error object may carry the command it sent (AUTH with the password).
        throw new AppError('MAIL_NOT_SENT', reasonOf(code, server), { detail: scrub(`${code ?? 'error'}: ${answer}`) });
      }
    },
  };
}
