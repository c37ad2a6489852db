import type { Catalogue } from '../../catalogue.js';

export default {
  page: {
    reference: 'Erreur <code>{{code}}</code> (HTTP {{status}}) · requête <code>{{requestId}}</code>',
    popup_closed: 'Rien n’a été envoyé au site. Vous pouvez fermer cette fenêtre.',
  },
  unknown_language: {
    title: 'Langue inconnue',
    detail: 'Les pages sont proposées dans ces langues : {{languages}}.',
  },

  internal_error: {
    title: 'Erreur interne',
    detail: 'Un problème est survenu de notre côté. Indiquez l’identifiant de la requête si vous le signalez.',
  },
  database_unavailable: {
    title: 'Service indisponible',
    detail: 'Le service ne parvient pas à joindre sa base de données pour le moment. Réessayez dans quelques secondes.',
  },
  bad_request: {
    title: 'Requête invalide',
    detail: 'La requête n’a pas pu être lue.',
    not_http: 'Cette requête n’est pas du HTTP valide.',
  },
  unauthorized: { title: 'Non autorisé', detail: 'Cette requête demande des identifiants qu’elle ne contient pas.' },
  forbidden: { title: 'Interdit', detail: 'Cette requête n’est pas permise.' },
  not_found: { title: 'Introuvable', detail: 'Il n’y a rien à cette adresse.' },
  method_not_allowed: { title: 'Méthode non autorisée', detail: 'Cette adresse n’accepte pas ce type de requête.' },
  not_acceptable: { title: 'Non acceptable', detail: 'Il n’existe pas de réponse dans un format que cette requête accepte.' },
  request_timeout: { title: 'Délai de requête dépassé', detail: 'La requête n’est pas arrivée à temps.' },
  length_required: { title: 'Longueur requise', detail: 'Cette requête doit indiquer la longueur de son contenu.' },
  payload_too_large: { title: 'Contenu de la requête trop volumineux', detail: 'Le contenu de la requête est trop volumineux.' },
  uri_too_long: { title: 'URI de la requête trop longue', detail: 'L’adresse de cette requête est trop longue.' },
  unsupported_media_type: {
    title: 'Type de média non pris en charge',
    detail: 'Le contenu de la requête est d’un type que cette adresse n’accepte pas.',
    openid: {
      title: 'Contenu non pris en charge',
      detail: 'Les messages OpenID sont envoyés par POST en application/x-www-form-urlencoded.',
    },
  },
  too_many_requests: { title: 'Trop de requêtes', detail: 'Trop de requêtes depuis cette adresse. Patientez un peu, puis réessayez.' },
  headers_too_large: { title: 'En-têtes de la requête trop volumineux', detail: 'La ligne de requête ou les en-têtes sont trop volumineux.' },
  service_unavailable: { title: 'Service indisponible', detail: 'Le service ne peut pas répondre pour le moment. Réessayez dans quelques secondes.' },

  openid: {
    title: 'Requête OpenID refusée',
    detail: '{{explanation}} Pour les développeurs du site (en anglais) : {{message}}',
    invalid_request: 'Le site a envoyé une demande de connexion qui n’est pas un message OpenID valide.',
    message_too_large: 'Le site a envoyé une demande de connexion trop volumineuse.',
    forbidden_character: 'Le site a envoyé une demande de connexion contenant des caractères qu’OpenID n’autorise pas.',
    unsupported_mode: 'Le site a demandé quelque chose que ce fournisseur ne fait pas.',
    unsupported_type: 'Le site a demandé un type d’association que ce fournisseur ne propose pas.',
    invalid_return_to: 'Le site n’a pas indiqué où vous renvoyer, ou a donné une adresse qui n’est pas la sienne.',
    invalid_realm: 'Le nom du site (son domaine de confiance, ou realm) n’est pas valide, ou ce fournisseur ne le sert pas.',
    rate_limited: 'Trop de requêtes depuis cette adresse. Patientez un peu, puis réessayez.',
    unknown_identifier: 'L’identifiant demandé par le site n’est pas connu de ce fournisseur.',
    claimed_id_mismatch: 'L’identifiant demandé par le site ne correspond pas à celui qu’il revendique.',
    other: 'La demande de connexion du site n’a pas pu être acceptée.',
  },

  unknown_domain: {
    title: 'Domaine inconnu',
    detail: 'Ce fournisseur ne sert pas {{host}}.',
    no_host: 'Ce fournisseur ne sert pas les requêtes sans en-tête Host.',
    not_served: '{{domain}} n’est pas un domaine servi par ce fournisseur',
  },
  tls_required: { title: 'HTTPS requis', detail: 'Ce fournisseur n’accepte cette requête qu’en HTTPS.' },
  bad_url: { title: 'Adresse invalide', detail: 'Cette adresse n’est pas valide : son encodage en pourcentage est défectueux.' },
  csrf_failed: { title: 'Formulaire expiré', detail: 'Ce formulaire n’est plus valide. Revenez en arrière, rechargez la page et réessayez.' },

  validation_failed: {
    title: 'Saisie invalide',
    detail: 'La requête n’a pas pu être lue : {{fields}}.',
    field: '{{name}} {{reason}}',
    missing: 'est absent',
    repeated: 'a été envoyé plus d’une fois',
    unknown_field: 'n’est pas un champ de ce formulaire',
    is_string: 'doit être une chaîne de caractères',
    is_in: 'doit être l’une des valeurs suivantes : {{values}}',
    each: 'chaque valeur de {{name}} {{reason}}',
    max_length: 'doit compter au plus {{max}} caractères',
    array_max_size: 'doit contenir au plus {{max}} éléments',
    is_array: 'doit être une liste',
    matches: 'doit correspondre à l’expression régulière {{pattern}}',
    is_uuid: 'doit être un UUID',
    invalid: 'n’est pas valide',
  },

  rate_limited: {
    title: 'Trop de requêtes',
    detail: 'Trop de demandes de connexion depuis cette adresse. Patientez un peu, puis revenez sur le site et réessayez.',
  },
  too_many_pending_requests: {
    title: 'Trop de demandes de connexion',
    detail: 'Trop de demandes de connexion inachevées depuis cette adresse. Terminez-en une ou abandonnez-la, patientez un peu, puis réessayez.',
  },
  request_expired: {
    title: 'Demande de connexion expirée',
    detail: 'Cette demande de connexion est inconnue ou a expiré. Revenez sur le site auquel vous vous connectiez et recommencez.',
  },
  pending_request_too_large: {
    title: 'Demande de connexion trop volumineuse',
    detail: 'Cette demande de connexion est trop volumineuse pour être conservée pendant que vous vous connectez. Signalez-le au site d’où vous venez.',
  },
  not_signed_in: { title: 'Non connecté', detail: 'Connectez-vous d’abord, puis réessayez.' },
  identifier_form_not_served: {
    title: 'Ce n’est pas un identifiant',
    detail: 'Les identifiants ont la forme {base}/openid/{user}, sans @domaine : le domaine est l’hôte de l’adresse.',
  },

  fetch_refused: {
    title: 'Le site n’a pas pu être consulté',
    invalid_url: 'L’adresse n’est pas une URL http ou https absolue valide.',
    scheme_not_allowed: 'Seules les adresses https:// (et http:// là où l’exploitant l’autorise) sont consultées.',
    credentials_in_url: 'Les adresses contenant un nom d’utilisateur ou un mot de passe ne sont pas consultées.',
    private_address: 'Le nom du site mène à une adresse qui n’est pas joignable publiquement.',
    dns_error: 'Le nom d’hôte du site n’a pas pu être résolu.',
    network_error: 'Le site n’a pas pu être joint.',
    tls_error: 'Le certificat TLS du site n’a pas pu être vérifié.',
    timeout: 'Le site n’a pas répondu à temps.',
    too_large: 'La réponse du site est trop volumineuse.',
    too_many_redirects: 'Le site a redirigé trop de fois.',
    bad_status: 'Le site a répondu avec un statut d’erreur.',
    busy: 'Trop de sites sont en cours de vérification ; réessayez dans un instant.',
    rate_limited: 'Trop de nouveaux sites ont été vérifiés pour cette adresse ; réessayez dans quelques minutes.',
  },

  xmpp_unavailable: {
    title: 'Service de connexion indisponible',
    detail: 'Le serveur de messagerie qui vérifie les mots de passe de ce domaine est injoignable pour le moment. Votre saisie n’était pas en cause : veuillez réessayer dans un instant.',
  },

  unknown_user: { title: 'Utilisateur inconnu', detail: 'Ce compte n’existe pas' },
  unknown_account: { title: 'Compte inconnu', detail: 'aucun compte {{account}}' },
  user_exists: { title: 'Le compte existe', detail: '{{account}} existe déjà' },
  invalid_username: {
    title: 'Nom d’utilisateur invalide',
    detail: 'nom d’utilisateur invalide : {{reason}}',
    empty: 'il est vide',
    too_long: 'il dépasse {{max}} octets',
    character: 'le caractère {{character}} n’est pas autorisé dans la partie locale d’un JID',
    space_or_control: 'il contient un espace, un caractère de contrôle ou un caractère non attribué',
  },
  invalid_password: {
    title: 'Mot de passe inacceptable',
    too_short: 'un mot de passe doit compter au moins {{min}} caractères',
    too_long: 'un mot de passe peut compter au plus {{max}} caractères',
  },
  xmpp_accounts: {
    title: 'Comptes gérés par le serveur XMPP',
    detail:
      '{{domain}} a accounts: xmpp : son serveur XMPP vérifie les mots de passe, il n’y a donc pas de mot de passe local à définir ; chaque compte de ce serveur se connecte avec son mot de passe XMPP, sans compte local',
  },
  invalid_profile_field: {
    title: 'Champ de profil invalide',
    detail: '{{field}} : {{reason}}',
    empty: 'est vide',
    too_long: 'dépasse {{max}} caractères',
    control: 'contient des caractères de contrôle',
    email: 'n’est pas une adresse e-mail',
    dob_form: 'doit être au format AAAA-MM-JJ (00 pour les parties inconnues)',
    dob_date: 'n’est pas une date du calendrier',
    gender: 'doit être M ou F',
    country: 'doit être un code ISO 3166-1 alpha-2, par exemple FR',
    language: 'doit être un code ISO 639, par exemple fr ou fr-CA',
    timezone: 'doit être un fuseau horaire IANA, par exemple Europe/Paris',
    phone_characters: 'ne peut contenir que des chiffres, des espaces, des points, des tirets, des parenthèses et un + initial',
    phone_international: 'doit être au format international : + et l’indicatif du pays, par exemple +33 1 23 45 67 89',
    phone_country_code: 'doit commencer par + et l’indicatif du pays, qui ne commence jamais par 0',
    phone_digits: 'doit compter de 7 à 15 chiffres après le + (UIT-T E.164)',
    phone_invalid: 'n’est pas un numéro de téléphone au format international',
  },

  not_ready: {
    title: 'Pas prêt',
    database: 'La base de données est injoignable.',
    migrations: 'Des migrations de la base de données sont en attente : {{migrations}}.',
  },
} satisfies Catalogue;
