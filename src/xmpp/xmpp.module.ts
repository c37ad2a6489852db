import { Module } from '@nestjs/common';
import { XmppConnector } from './xmpp-connector.js';

/**
 * XMPP for the rest of the application: the one connector (credential checks, vCards, the bot's
 * session). Not imported by AppModule yet; the XMPP credential backend, profile source and bot
 * import it when they are wired in (issue 9, after issue 8).
 */
@Module({
  providers: [XmppConnector],
  exports: [XmppConnector],
})
export class XmppModule {}
