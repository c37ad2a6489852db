import type { Catalogue } from '../../catalogue.js';

// The consent page (/consent) and the pages that end a checkid request in the browser: "done"
// (no return_to) and the form that carries a long response to the site.

export default {
  title: 'Sign in to a site?',
  heading: 'Sign in to this site?',
  idn: 'Internationalised address: {{unicode}} ({{ascii}})',
  http_warning: 'This site does not use HTTPS: what it receives could be read or changed on the way.',
  unverified_warning:
    'The site did not confirm the address it asked us to send you back to. Continue only if you started this sign-in yourself. Until it does, you are asked here every time, even for a site you always allow.',
  signed_in_as: 'Signed in as {{account}}.',
  learns_identifier: 'The site will learn that you are <strong>{{identifier}}</strong> (signed in as {{account}}).',
  identifier: {
    legend: 'Sign in to this site as',
    public: 'Your identifier: <span class="value">{{identifier}}</span>',
    private: 'A private identifier for this site only: the same each time you sign in here, and no other site can link it to you or to your identifier',
  },
  share: {
    legend: 'The site also asks for',
    field: '{{label}}: <span class="value">{{value}}</span>',
    field_missing: '{{label}}: <span class="meta">not in your profile</span>',
    field_required: '{{label}} <strong>(required by the site)</strong>: <span class="value">{{value}}</span>',
    field_required_missing: '{{label}} <strong>(required by the site)</strong>: <span class="meta">not in your profile</span>',
    policy: 'How the site uses them: <a href="{{url}}" rel="noopener noreferrer">{{url}}</a>',
  },
  decision: {
    allow_once: 'Allow once',
    allow_always: 'Always allow',
    deny: 'Deny',
  },
  done: {
    approved_title: 'Signed in',
    approved_heading: 'Done',
    approved: 'You are signed in at <span class="realm">{{realm}}</span>. The site asked not to be sent back to; you can close this page.',
    refused_title: 'Sign-in refused',
    refused_heading: 'Sign-in refused',
    refused: '<span class="realm">{{realm}}</span> was told that you declined.',
  },
  form_post: {
    title: 'Returning to the site',
    heading: 'Returning to the site…',
    continue: 'Continue',
  },
} satisfies Catalogue;
