#!/usr/bin/perl
# Verifies messages with Mail::DKIM, as an independent check of what dkimarc
# signs and seals. Keys come from a dkimarc JSON Lines archive instead of DNS.
#
# Usage: maildkim.pl dkim|arc KEYS.jsonl FILE...
# Prints one tab-separated line per DKIM signature (file, index, d=, s=,
# result, detail) or per message for ARC (file, result, detail).
use strict;
use warnings;
use JSON::PP;
use Net::DNS;
use Mail::DKIM::Verifier;
use Mail::DKIM::ARC::Verifier;

my ( $mode, $keys, @files ) = @ARGV;
die "usage: maildkim.pl dkim|arc KEYS.jsonl FILE...\n"
  unless $mode && ( $mode eq 'dkim' || $mode eq 'arc' ) && $keys;

my %txt;
open( my $kf, '<', $keys ) or die "$keys: $!\n";
while ( my $line = <$kf> ) {
    next unless $line =~ /\S/;
    my $j = decode_json($line);
    $txt{ lc $j->{name} } = $j->{txt};
}
close $kf;

{
    no warnings 'redefine';
    *Mail::DKIM::DNS::query = sub {
        my ( $name, $type ) = @_;
        my $v = $txt{ lc $name };
        if ( !defined $v || $type ne 'TXT' ) {
            $@ = 'NXDOMAIN';
            return;
        }
        my @strings;
        for ( my $i = 0 ; $i < length $v ; $i += 255 ) {
            push @strings, substr( $v, $i, 255 );
        }
        return Net::DNS::RR->new( name => $name, type => 'TXT', txtdata => [@strings] );
    };
}

for my $f (@files) {
    open( my $fh, '<:raw', $f ) or die "$f: $!\n";
    local $/;
    my $msg = <$fh>;
    close $fh;
    # Mail::DKIM takes SMTP form: CRLF line ends, no mbox "From " line.
    $msg =~ s/\AFrom [^\n]*\n//;
    $msg =~ s/\r?\n/\r\n/g;
    if ( $mode eq 'arc' ) {
        my $v = Mail::DKIM::ARC::Verifier->new( Strict => 1 );
        $v->PRINT($msg);
        $v->CLOSE;
        print join( "\t", $f, $v->result, $v->result_detail // '' ), "\n";
        next;
    }
    my $v = Mail::DKIM::Verifier->new;
    $v->PRINT($msg);
    $v->CLOSE;
    my $i = 0;
    for my $s ( $v->signatures ) {
        print join( "\t",
            $f, $i++, $s->domain // '-', $s->selector // '-',
            $s->result // '-', $s->result_detail // '' ),
          "\n";
    }
    print join( "\t", $f, '-', '-', '-', 'none', 'no signature' ), "\n" if $i == 0;
}
