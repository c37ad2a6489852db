import type { Catalogue } from '../../catalogue.js';

// French typography: a no-break space (U+00A0) before « : », a narrow one (U+202F) before ; ? !.

export default {
  consent: {
    title: 'Se connecter à une application\u202f?',
    heading: 'Se connecter à cette application\u202f?',
    application: 'Application <code>{{clientId}}</code> · les réponses vont à {{origin}}',
    signed_in_as: 'Vous êtes connecté en tant que <strong>{{account}}</strong>.',
    asks_for: 'L’application demande',
    scopes: {
      openid: 'Qui vous êtes chez ce fournisseur (un identifiant de votre compte)',
      profile: 'Votre profil\u00a0: nom, pseudonyme, date de naissance, genre, langue, fuseau horaire',
      email: 'Votre adresse e-mail',
      address: 'Votre code postal et votre pays',
      phone: 'Votre numéro de téléphone',
      offline_access: 'Un accès même quand vous n’êtes pas connecté (un jeton d’actualisation de longue durée)',
    },
    openid2: {
      legend: 'Votre ancien OpenID',
      text: 'Cette application peut apprendre que vous êtes <code>{{identifier}}</code>, l’OpenID que vous avez peut-être utilisé avec elle auparavant.',
      link: 'Le lui dire, pour qu’elle retrouve mon ancien compte',
      withhold: 'Ne pas le lui dire\u00a0: elle me voit comme un nouvel utilisateur',
    },
    details: 'Envoyer ces informations',
    field: '{{label}}\u00a0:',
    not_in_profile: 'absent de votre profil',
    allow_once: 'Autoriser une fois',
    allow_always: 'Toujours autoriser',
    deny: 'Refuser',
  },
  logout: {
    title: 'Se déconnecter',
    heading: 'Se déconnecter\u202f?',
    client_asks: '<strong>{{client}}</strong> demande à vous déconnecter de {{host}}.',
    site_asks: 'Un site demande à vous déconnecter de {{host}}.',
    yes: 'Oui, me déconnecter',
    no: 'Non, rester connecté',
  },
  logged_out: {
    heading: 'Déconnecté',
    text: 'Vous êtes déconnecté.',
    text_client: 'Vous êtes déconnecté de <strong>{{client}}</strong>.',
  },
  errors: {
    invalid_request: { title: 'Requête invalide', detail: 'La requête de l’application est mal formée ou incomplète.' },
    invalid_client: { title: 'Application inconnue', detail: 'Cette application n’est pas enregistrée auprès de ce fournisseur.' },
    invalid_redirect_uri: { title: 'Adresse de retour non enregistrée', detail: 'L’application demande la réponse à une adresse qu’elle n’a pas enregistrée.' },
    unauthorized_client: { title: 'Application non autorisée', detail: 'Cette application n’a pas le droit de faire ce type de requête.' },
    access_denied: { title: 'Accès refusé', detail: 'La requête a été refusée.' },
    unsupported_response_type: { title: 'Requête non prise en charge', detail: 'L’application demande un type de réponse que ce fournisseur ne donne pas.' },
    invalid_scope: { title: 'Requête invalide', detail: 'L’application demande un accès que ce fournisseur ne propose pas.' },
    server_error: { title: 'Erreur interne', detail: 'Un problème est survenu de notre côté. Réessayez plus tard.' },
    temporarily_unavailable: { title: 'Service indisponible', detail: 'Le service ne peut pas répondre pour le moment. Réessayez plus tard.' },
    session_not_found: { title: 'Session introuvable', detail: 'Votre session est introuvable\u202f; elle a peut-être pris fin. Revenez à l’application et recommencez.' },
    other: { title: 'Requête refusée', detail: 'Cette requête ne peut pas être traitée.' },
    described: '{{detail}} Détail technique (en anglais)\u00a0: {{description}}',
  },
} satisfies Catalogue;
