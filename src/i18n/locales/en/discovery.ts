import type { Catalogue } from '../../catalogue.js';

// The public pages of discovery (src/discovery/identity-page.ts): an identifier, a private
// identifier, the OP identifier.

export default {
  identity: {
    title: '{{account}} — OpenID',
    text: 'This is the OpenID identifier of <strong>{{account}}</strong>: <code>{{identifier}}</code>. Sites that support OpenID let its owner sign in with it.',
  },
  private: {
    title: 'Private identifier — OpenID',
    heading: 'Private OpenID identifier',
    text: 'This is a private OpenID identifier: <code>{{identifier}}</code>. Its owner uses it at one site only, which cannot link it to their other identifiers.',
  },
  provider: {
    title: '{{domain}} — OpenID',
    heading: 'OpenID for {{domain}}',
    text: 'Users of <strong>{{domain}}</strong> can sign in to sites that support OpenID by entering <code>{{endpoint}}</code> and choosing their account, or with their own identifier <code>{{endpoint}}/<em>{{username}}</em></code>.',
    // The placeholder of the account name in the identifier above.
    username: 'username',
  },
} satisfies Catalogue;
