# The peer of `npm run bench -- --peer`: Net::OpenID::Server (Debian's libnet-openid-server-perl)
# as a PSGI app, run by Starman behind nginx TLS. It serves the same URLs as the provider:
#   GET  /openid/<user> with Accept: application/xrds+xml   the claimed identifier's XRDS (W1)
#   GET|POST /openid                                         the OP endpoint (W2-W5)
#   GET  /healthz                                            {"status":"ok"}, like the provider's
# Net::OpenID::Server leaves sessions, identities and trust to the application: here one user,
# signed in when the request carries the session cookie run.ts wrote, who trusts one realm. It
# keeps no state at all (associations are derived from server_secret, no nonce is recorded), so
# this is the cheapest an OpenID provider in Perl gets, not a like-for-like feature match.
use strict;
use warnings;
use Plack::Request;
use Net::OpenID::Server;

sub slurp {
    my ($path) = @_;
    open(my $fh, '<', $path) or die "cannot read $path: $!";
    local $/;
    my $text = <$fh>;
    close $fh;
    $text =~ s/\s+\z//;
    return $text;
}

my $base     = $ENV{BENCH_PEER_BASE}  or die 'BENCH_PEER_BASE';
my $user     = $ENV{BENCH_PEER_USER}  or die 'BENCH_PEER_USER';
my $realm    = $ENV{BENCH_PEER_REALM} or die 'BENCH_PEER_REALM';
my ($cookie_name, $cookie_value) = split(/=/, slurp($ENV{BENCH_PEER_COOKIE_FILE}), 2);
my $server_secret = slurp($ENV{BENCH_PEER_SECRET_FILE});
my $endpoint = "$base/openid";
my $identity = "$base/openid/$user";

my $xrds = <<"XRDS";
<?xml version="1.0" encoding="UTF-8"?>
<xrds:XRDS xmlns:xrds="xri://\$xrds" xmlns="xri://\$xrd*(\$v*2.0)" xmlns:openid="http://openid.net/xmlns/1.0">
  <XRD>
    <Service priority="0">
      <Type>http://specs.openid.net/auth/2.0/signon</Type>
      <URI>$endpoint</URI>
      <LocalID>$identity</LocalID>
    </Service>
    <Service priority="10">
      <Type>http://openid.net/signon/1.1</Type>
      <URI>$endpoint</URI>
      <openid:Delegate>$identity</openid:Delegate>
    </Service>
  </XRD>
</xrds:XRDS>
XRDS

sub timing_safe_eq {
    my ($a, $b) = @_;
    return 0 unless defined $a && defined $b && length($a) == length($b);
    my $diff = 0;
    $diff |= ord(substr($a, $_, 1)) ^ ord(substr($b, $_, 1)) for 0 .. length($a) - 1;
    return $diff == 0;
}

my $app = sub {
    my $req = Plack::Request->new(shift);
    my $path = $req->path_info;
    # Liveness, as the provider's /healthz: also the filler W4 sends while its last answers drain.
    return [200, ['Content-Type' => 'application/json'], ['{"status":"ok"}']] if $path eq '/healthz';
    if ($path eq "/openid/$user") {
        return [200, ['Content-Type' => 'application/xrds+xml; charset=utf-8'], [$xrds]];
    }
    if ($path eq '/openid') {
        my $nos = Net::OpenID::Server->new(
            args          => $req,
            get_user      => sub { timing_safe_eq($req->cookies->{$cookie_name}, $cookie_value) ? $user : undef },
            is_identity   => sub { my ($u, $url) = @_; defined $u && $url eq $identity },
            is_trusted    => sub { my ($u, $trust_root, $is_identity) = @_; $is_identity && $trust_root eq $realm },
            endpoint_url  => $endpoint,
            setup_url     => "$base/setup",
            server_secret => $server_secret,
            compat        => 0,
        );
        my ($type, $page) = $nos->handle_page;
        return [400, ['Content-Type' => 'text/plain'], ['error:' . ($nos->err // 'unknown') . "\n"]] unless defined $type;
        return [302, ['Location' => $page, 'Cache-Control' => 'no-store'], ['']] if $type eq 'redirect';
        return [200, ['Content-Type' => $type, 'Cache-Control' => 'no-store'], [$page]];
    }
    return [404, ['Content-Type' => 'text/plain'], ["not found\n"]];
};

$app;
