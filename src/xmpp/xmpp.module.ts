import { Module } from '@nestjs/common';
import { XmppConnector } from './xmpp-connector.js';

/**
 * XMPP for the rest of the application: the one connector (credential checks, vCards, the bot's
 * session). Imported where it is used: the OpenID bot's BotModule (src/xmpp/bot), and AuthModule
 * for the XMPP credential backend (accounts: xmpp).
 */
@Module({
  providers: [XmppConnector],
  exports: [XmppConnector],
})
export class XmppModule {}
