import { networkReason, saslVerdict, XmppUnavailable } from '../../src/xmpp/xmpp-errors.js';
import { startTlsStep } from '../../src/xmpp/secure-socket.js';
import { parseXml } from '../../src/xmpp/xmpp-connector.js';
import { loadVectors } from './vectors.js';

describe('SASL failure conditions (RFC 6120 §6.5)', () => {
  it.each(loadVectors<Array<{ title: string; input: string; expected: string }>>('sasl'))('$title', ({ input, expected }) => {
    expect(saslVerdict(input)).toBe(expected);
  });

  it('has no verdict "ok": a missing condition is the server\'s problem, never a login', () => {
    expect(saslVerdict(undefined)).toBe('unavailable');
  });
});

describe('STARTTLS negotiation before TLS (RFC 6120 §5.4.2)', () => {
  type Vector = { title: string; input: { xml: string; sentStartTls: boolean }; expected: { action: string; reason?: string } };
  it.each(loadVectors<Vector[]>('starttls'))('$title', ({ input, expected }) => {
    const step = startTlsStep(parseXml(input.xml), input.sentStartTls);
    expect(step).toMatchObject(expected);
  });
});

describe('XmppUnavailable', () => {
  it('is a 503 with a safe message, a Retry-After and the cause only in the internal detail', () => {
    const error = new XmppUnavailable('connection_refused', '127.0.0.1:5222: connect ECONNREFUSED');
    expect(error.status).toBe(503);
    expect(error.code).toBe('xmpp_unavailable');
    expect(error.headers).toEqual({ 'Retry-After': '30' });
    expect(String(error.publicDetail)).not.toMatch(/wrong password|5222|ECONN/i);
    expect(error.detail).toBe('connection_refused: 127.0.0.1:5222: connect ECONNREFUSED');
  });

  it.each([
    ['ECONNREFUSED', 'connection_refused'],
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['ETIMEDOUT', 'timeout'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
    ['CERT_HAS_EXPIRED', 'tls'],
    ['ECONNRESET', 'connection_lost'],
    ['EWHATEVER', 'protocol'],
  ])('classifies the socket error %s as %s', (code, reason) => {
    expect(networkReason(Object.assign(new Error('x'), { code }))).toBe(reason);
  });
});

describe('XmppModule', () => {
  it('provides the connector through Nest (the logger comes from RuntimeModule when present)', async () => {
    const { Test } = await import('@nestjs/testing');
    const { XmppModule } = await import('../../src/xmpp/xmpp.module.js');
    const { XmppConnector } = await import('../../src/xmpp/xmpp-connector.js');
    const moduleRef = await Test.createTestingModule({ imports: [XmppModule] }).compile();
    expect(moduleRef.get(XmppConnector)).toBeInstanceOf(XmppConnector);
    await moduleRef.close();
  });
});
