#!/usr/bin/perl
# maildkim_bench: how fast Mail::DKIM (Debian's libmail-dkim-perl) verifies a
# corpus.
#
# Usage: maildkim_bench.pl --keys KEYFILE [--passes N] [--results FILE]
#                          [--stats FILE] LIST
#
# Keys come from KEYFILE (OpenDKIM key-file lines), read once; the DNS query
# function Mail::DKIM calls is replaced by one answering from them, with TXT
# records built once: no network. Messages are read into memory first (they
# are CRLF already, as Mail::DKIM wants). Output as bench/dkimarc_bench.c's;
# a signature whose algorithm Mail::DKIM does not know (Ed25519 in Debian 12)
# is "unsupported".
use strict;
use warnings;
use Getopt::Long;
use JSON::PP;
use Net::DNS;
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC CLOCK_PROCESS_CPUTIME_ID);
use Mail::DKIM;
use Mail::DKIM::Verifier;

my $usage =
  "usage: maildkim_bench.pl --keys KEYFILE [--passes N] [--results FILE] [--stats FILE] LIST\n";
my ( $keyfile, $results, $stats, $passes ) = ( undef, undef, undef, 3 );
GetOptions(
    'keys=s'    => \$keyfile,
    'passes=i'  => \$passes,
    'results=s' => \$results,
    'stats=s'   => \$stats,
) or die $usage;
my $list = shift @ARGV;
die $usage unless defined $keyfile && defined $list && $passes >= 1;

my %rr;
open( my $kf, '<', $keyfile ) or die "$keyfile: $!\n";
while ( my $line = <$kf> ) {
    next if $line =~ /^\s*(#|$)/;
    chomp $line;
    my ( $name, $txt ) = split /\s+/, $line, 2;
    $name = lc $name;
    $name =~ s/\.$//;
    my @strings;
    for ( my $i = 0 ; $i < length $txt ; $i += 255 ) {
        push @strings, substr( $txt, $i, 255 );
    }
    $rr{$name} = Net::DNS::RR->new( name => $name, type => 'TXT', txtdata => [@strings] );
}
close $kf;

{
    no warnings 'redefine';
    *Mail::DKIM::DNS::query = sub {
        my ( $name, $type ) = @_;
        my $r = $rr{ lc $name };
        if ( !defined $r || $type ne 'TXT' ) {
            $@ = 'NXDOMAIN';
            return;
        }
        return $r;
    };
}

sub status_kb {
    my ($key) = @_;
    open( my $f, '<', '/proc/self/status' ) or return -1;
    while (<$f>) {
        return $1 if /^\Q$key\E\s+(\d+)/;
    }
    return -1;
}

open( my $lf, '<', $list ) or die "$list: $!\n";
my @paths = grep { /\S/ && !/^#/ } map { s/\r?\n\z//r } <$lf>;
close $lf;
my ( @msgs, $bytes );
for my $p (@paths) {
    open( my $fh, '<:raw', $p ) or die "$p: $!\n";
    local $/;
    my $m = <$fh>;
    close $fh;
    push @msgs, $m;
    $bytes += length $m;
}
my $rss_loaded = status_kb('VmRSS:');

sub verify {
    my ($msg) = @_;
    my $v = Mail::DKIM::Verifier->new;
    $v->PRINT($msg);
    $v->CLOSE;
    return [ $v->signatures ];
}

sub result_of {
    my ($s) = @_;
    my $r = $s->result // 'none';
    my $why = $s->result_detail // '';
    return ( 'pass', $why ) if $r eq 'pass';
    my $alg = $s->algorithm // '';
    return ( 'unsupported', $why ) if $alg =~ /ed25519/i;
    return ( 'fail',        $why ) if $r eq 'fail';
    return ( 'temperror',   $why ) if $r eq 'temperror';
    return ( 'permerror',   $why );
}

my ( @times, @first );
for my $p ( 1 .. $passes ) {
    my @t0 = ( clock_gettime(CLOCK_MONOTONIC), clock_gettime(CLOCK_PROCESS_CPUTIME_ID), times );
    for my $i ( 0 .. $#msgs ) {
        my $sigs = verify( $msgs[$i] );
        $first[$i] = [ map { [ $_->domain // '-', $_->selector // '-', result_of($_) ] } @$sigs ]
          if $p == 1;
    }
    my @t1 = ( clock_gettime(CLOCK_MONOTONIC), clock_gettime(CLOCK_PROCESS_CPUTIME_ID), times );
    push @times,
      {
        wall => $t1[0] - $t0[0],
        cpu  => $t1[1] - $t0[1],
        user => $t1[2] - $t0[2],
        sys  => $t1[3] - $t0[3]
      };
}

my $nsig = 0;
if ( defined $results ) {
    open( my $out, '>', $results ) or die "$results: $!\n";
    for my $i ( 0 .. $#msgs ) {
        my $sigs = $first[$i];
        print $out "$paths[$i]\t-\t-\t-\tnone\tunsigned\n" unless @$sigs;
        for my $j ( 0 .. $#$sigs ) {
            my ( $d, $s, $r, $why ) = @{ $sigs->[$j] };
            $why =~ s/\t/ /g;
            print $out join( "\t", $paths[$i], $j, $d, $s, $r, $why ), "\n";
        }
    }
    close $out or die "$results: $!\n";
}
$nsig += scalar @$_ for @first;

my $st = {
    verifier      => 'maildkim',
    label         => 'Mail::DKIM, DNS query function answering from memory',
    version       => "$Mail::DKIM::VERSION (no Ed25519)",
    messages      => scalar @msgs,
    bytes         => $bytes,
    signatures    => $nsig,
    passes        => \@times,
    rss_loaded_kb => $rss_loaded + 0,
    rss_peak_kb   => status_kb('VmHWM:') + 0,
};
my $json = JSON::PP->new->canonical->encode($st) . "\n";
if ( defined $stats && $stats ne '-' ) {
    open( my $sf, '>', $stats ) or die "$stats: $!\n";
    print $sf $json;
    close $sf or die "$stats: $!\n";
}
elsif ( defined $stats ) {
    print $json;
}
