import type { Catalogue } from '../../catalogue.js';

// French typography: a no-break space (U+00A0) before « : », a narrow one (U+202F) before ; ? !.

export default {
  refused: {
    title: 'Clé d’accès refusée',
    reasons: {
      malformed: 'Le navigateur n’a envoyé aucune réponse de clé d’accès que nous puissions lire. Réessayez.',
      wrong_type: 'Le navigateur a répondu à une autre demande de clé d’accès. Réessayez.',
      challenge_unknown: 'Cette demande de clé d’accès est inconnue ici, ou a déjà reçu une réponse. Réessayez.',
      challenge_expired: 'Cette demande de clé d’accès a expiré. Réessayez.',
      origin_mismatch: 'La clé d’accès a été utilisée sur un autre site que celui-ci.',
      cross_origin: 'La clé d’accès a été utilisée à l’intérieur de la page d’un autre site.',
      rp_id_mismatch: 'La clé d’accès appartient à un autre site.',
      user_not_present: 'La clé d’accès n’a pas confirmé votre présence. Réessayez.',
      user_not_verified: 'Pour une connexion avec la seule clé d’accès, celle-ci doit vérifier que c’est bien vous (code PIN, empreinte digitale ou reconnaissance faciale).',
      unknown_credential: 'Cette clé d’accès n’appartient pas à ce compte.',
      user_handle_mismatch: 'Cette clé d’accès n’appartient pas à ce compte.',
      already_registered: 'Cette clé d’accès est déjà ajoutée.',
      counter_regression: 'Cette clé d’accès semble avoir été copiée\u00a0: son compteur de signatures a reculé. Elle a été refusée.',
      bad_signature: 'La signature de la clé d’accès est incorrecte.',
    },
  },
  challenges_exhausted: {
    title: 'Trop de demandes de clé d’accès',
    detail: 'Trop de connexions par clé d’accès ont été commencées depuis votre réseau. Réessayez dans quelques minutes.',
  },
  unavailable: {
    title: 'Pas de clés d’accès ici',
    detail: 'Les clés d’accès exigent que ce service soit servi sous un nom de domaine en HTTPS (WebAuthn Level 3 §5.1.2).',
  },
  sign_in_disabled: {
    title: 'Non proposé',
    detail: 'La connexion avec une clé d’accès seule n’est pas proposée ici. Connectez-vous avec votre mot de passe\u202f; une clé d’accès pourra ensuite être demandée comme second facteur.',
  },
  second_factor_not_pending: {
    title: 'Reconnectez-vous',
    detail: 'Votre connexion a expiré avant que le second facteur soit fourni. Reconnectez-vous.',
  },
  fresh_sign_in_required: {
    title: 'Reconnectez-vous',
    detail: 'Pour ajouter une clé d’accès, reconnectez-vous d’abord.',
  },
  browser: {
    not_allowed: 'La clé d’accès n’a pas été utilisée (annulation, ou délai dépassé). Réessayez.',
    already_added: 'Cette clé d’accès est déjà ajoutée.',
    failed: 'La clé d’accès n’a pas pu être utilisée. Réessayez.',
    options_failed: 'La clé d’accès n’a pas pu être demandée. Rechargez la page et réessayez.',
  },
} satisfies Catalogue;
