#!/usr/bin/perl
# Mail::DKIM's ARC signer and verifier for the ARC differential test, in batch.
#
#   mdkim_arc.pl seal JOBS     each line of JOBS: in<TAB>out<TAB>cv<TAB>domain<TAB>
#                              selector<TAB>keyfile<TAB>srvid<TAB>timestamp; writes the
#                              new ARC set followed by the input message to out
#   mdkim_arc.pl verify ZONE FILE...
#                              prints "FILE<TAB>result<TAB>detail" per message
#
# ZONE is the test's key archive (name<TAB>TXT<TAB>data, or name<TAB>NXDOMAIN);
# keys are answered from it in memory, never from the network.
use strict;
use warnings;

use Mail::DKIM::ARC::Signer;
use Mail::DKIM::ARC::Verifier;
use Mail::DKIM::DNS;
use Net::DNS;

package ZoneResolver;

sub new
{
	my ($class, $zone) = @_;
	return bless { zone => $zone, err => 'NOERROR' }, $class;
}

sub send
{
	my ($self, $name, $type) = @_;
	my $pkt = Net::DNS::Packet->new($name, $type);
	my $data = $self->{zone}{ lc $name };
	if (!defined $data) {
		$pkt->header->rcode('NXDOMAIN');
		return $pkt;
	}
	# One TXT record, in character-strings of at most 255 bytes.
	my @chunks = $data eq '' ? ('') : unpack('(a255)*', $data);
	$pkt->push(answer => Net::DNS::RR->new(name => $name, type => 'TXT', txtdata => \@chunks));
	$pkt->header->rcode('NOERROR');
	return $pkt;
}

sub errorstring { return $_[0]{err} }

package main;

sub read_zone
{
	my ($path) = @_;
	my %zone;
	open(my $fh, '<', $path) or die "$path: $!";
	while (my $line = <$fh>) {
		chomp $line;
		next if $line =~ /^#/ || $line eq '';
		my ($name, $type, $data) = split /\t/, $line, 3;
		$zone{ lc $name } = $data if $type eq 'TXT';
	}
	close $fh;
	return \%zone;
}

sub slurp
{
	my ($path) = @_;
	open(my $fh, '<:raw', $path) or die "$path: $!";
	local $/;
	my $m = <$fh>;
	close $fh;
	return $m;
}

# Feeds a CRLF message line by line, as the modules expect.
sub feed
{
	my ($obj, $msg) = @_;
	for my $line (split /(?<=\n)/, $msg) {
		$line =~ s/\r?\n\z//;
		$obj->PRINT("$line\015\012");
	}
	$obj->CLOSE;
}

sub seal
{
	my ($jobs) = @_;
	open(my $fh, '<', $jobs) or die "$jobs: $!";
	while (my $job = <$fh>) {
		chomp $job;
		my ($in, $out, $cv, $domain, $selector, $keyfile, $srvid, $ts) = split /\t/, $job;
		my $msg = slurp($in);
		my $signer = Mail::DKIM::ARC::Signer->new(
			Algorithm => 'rsa-sha256',
			Chain     => $cv,
			Domain    => $domain,
			SrvId     => $srvid,
			Selector  => $selector,
			KeyFile   => $keyfile,
			Timestamp => $ts,
		);
		feed($signer, $msg);
		die "$in: not sealed: " . ($signer->result_detail() // '?') . "\n"
		    unless $signer->result() eq 'sealed';
		my $set = $signer->as_string();
		$set =~ s/\r?\n/\015\012/g;
		$set .= "\015\012" unless $set =~ /\015\012\z/;
		open(my $o, '>:raw', $out) or die "$out: $!";
		print $o $set, $msg;
		close $o;
	}
	close $fh;
}

sub verify
{
	my ($zonefile, @files) = @_;
	Mail::DKIM::DNS::resolver(ZoneResolver->new(read_zone($zonefile)));
	for my $f (@files) {
		my $v = Mail::DKIM::ARC::Verifier->new();
		feed($v, slurp($f));
		my $detail = $v->result_detail() // '';
		$detail =~ s/[\t\r\n]+/ /g;
		print "$f\t", $v->result(), "\t$detail\n";
	}
}

my $cmd = shift @ARGV // '';
if ($cmd eq 'seal' && @ARGV == 1) {
	seal(@ARGV);
} elsif ($cmd eq 'verify' && @ARGV >= 2) {
	verify(@ARGV);
} else {
	die "usage: mdkim_arc.pl seal JOBS | verify ZONE FILE...\n";
}
