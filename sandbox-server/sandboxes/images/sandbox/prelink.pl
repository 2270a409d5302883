#!/usr/bin/perl
# prelink.pl IN OUT: writes OUT, the x86-64 position-independent executable IN made an ordinary
# executable at a fixed address (BASE), with its relative relocations already applied.
#
# Why: Debian's dockerd is position-independent, so the dynamic loader writes 342,000 pointers into
# its read-only data at every start, and the 7 MiB of pages it touches become private copies in every
# sandbox. The prelinked copy needs none of those writes: the pages stay the file's, shared by every
# sandbox on the host. Docker's own static dockerd is a fixed-address executable too. The loader still
# applies what is left (the few relocations naming a symbol in libc or libsystemd). Perl because it is
# part of every Debian system (perl-base); the image build has nothing else that edits binary files.
#
# The code is position-independent already and needs no change; every address the file holds moves by
# BASE: the segments, sections, entry point, dynamic entries, defined dynamic symbols and the
# relocations left for the loader.
use strict;
use warnings;

# Where x86-64 executables conventionally start; far below Go's heap (0xc000000000).
my $BASE = 0x400000;
my ($R_X86_64_RELATIVE, $DT_RELA, $DT_RELASZ, $DT_RELACOUNT, $DT_JMPREL, $DT_PLTRELSZ, $DT_FLAGS_1) =
  (8, 7, 8, 0x6ffffff9, 23, 2, 0x6ffffffb);
my $DF_1_PIE = 0x08000000;
# Dynamic entries that hold an address (the rest hold sizes, counts or flags; DT_DEBUG is filled at run time).
my %ADDRESS_TAGS = map { $_ => 1 } (3, 4, 5, 6, 7, 12, 13, 17, 23, 25, 26, 32, 0x6ffffef5, 0x6ffffff0, 0x6ffffffc, 0x6ffffffe);

my ($in, $out) = @ARGV;
die "usage: prelink.pl IN OUT\n" unless defined $out;
open(my $source, '<:raw', $in) or die "prelink: cannot read $in: $!\n";
my $elf = do { local $/; <$source> };
close $source;

die "prelink: $in is not a 64-bit little-endian ELF file\n" unless substr($elf, 0, 6) eq "\x7fELF\x02\x01";
my ($type, $machine) = unpack('v v', substr($elf, 16, 4));
die "prelink: $in is not an x86-64 position-independent executable\n" unless $type == 3 && $machine == 62;
my ($entry, $phoff, $shoff) = unpack('Q< Q< Q<', substr($elf, 24, 24));
my ($phentsize, $phnum, $shentsize, $shnum) = unpack('v v v v', substr($elf, 54, 8));

my $u64 = sub { unpack('Q<', substr($elf, $_[0], 8)) };
my $set64 = sub { substr($elf, $_[0], 8) = pack('Q<', $_[1]) };
my $move = sub { $set64->($_[0], $u64->($_[0]) + $BASE) };

my (@loads, $dynamic);
for my $index (0 .. $phnum - 1) {
  my $at = $phoff + $index * $phentsize;
  my ($p_type, undef, $offset, $vaddr, undef, $filesz) = unpack('V V Q< Q< Q< Q<', substr($elf, $at, 48));
  push @loads, [$offset, $vaddr, $filesz] if $p_type == 1;
  $dynamic = [$offset, $filesz] if $p_type == 2;
  if ($p_type != 0x6474e551) {    # PT_GNU_STACK has no address
    $move->($at + 16);            # p_vaddr
    $move->($at + 24);            # p_paddr
  }
}
die "prelink: $in has no dynamic section\n" unless $dynamic;
$set64->(24, $entry + $BASE);
substr($elf, 16, 2) = pack('v', 2);    # ET_EXEC

# Where in the file the 8 bytes at this (unmoved) address live; undef if the file does not hold them.
sub file_offset {
  my ($address) = @_;
  for my $load (@loads) {
    my ($offset, $vaddr, $filesz) = @$load;
    return $address - $vaddr + $offset if $address >= $vaddr && $address + 8 <= $vaddr + $filesz;
  }
  return undef;
}

my (%entry_at, %value);    # dynamic tag => file offset of its value, and the value before moving
for (my $at = $dynamic->[0]; $at + 16 <= $dynamic->[0] + $dynamic->[1]; $at += 16) {
  my $tag = unpack('q<', substr($elf, $at, 8));
  last if $tag == 0;
  $entry_at{$tag} = $at + 8;
  $value{$tag} = $u64->($at + 8);
  $move->($at + 8) if $ADDRESS_TAGS{$tag} && $value{$tag};
}
$set64->($entry_at{$DT_FLAGS_1}, $value{$DT_FLAGS_1} & ~$DF_1_PIE) if exists $entry_at{$DT_FLAGS_1};
die "prelink: $in has no RELA relocations\n" unless $value{$DT_RELA};

# Apply every relative relocation whose target the file holds; keep the rest (relative ones first, as
# the loader expects with DT_RELACOUNT), moved, at the end of the table, which then starts later.
my $table = file_offset($value{$DT_RELA}) // die "prelink: the relocations of $in are not in the file\n";
my $count = $value{$DT_RELASZ} / 24;
my (@relative, @symbolic);
for my $index (0 .. $count - 1) {
  my ($target, $info, $addend) = unpack('Q< Q< q<', substr($elf, $table + $index * 24, 24));
  my $relative = ($info & 0xffffffff) == $R_X86_64_RELATIVE;
  my $at = $relative ? file_offset($target) : undef;
  if (defined $at) {
    $set64->($at, $BASE + $addend);
  } else {
    my $entry = pack('Q< Q< q<', $target + $BASE, $info, $relative ? $addend + $BASE : $addend);
    push @{ $relative ? \@relative : \@symbolic }, $entry;
  }
}
my $kept = @relative + @symbolic;
my $start = $count - $kept;
substr($elf, $table + $start * 24, $kept * 24) = join('', @relative, @symbolic);
$set64->($entry_at{$DT_RELA}, $value{$DT_RELA} + $start * 24 + $BASE);
$set64->($entry_at{$DT_RELASZ}, $kept * 24);
$set64->($entry_at{$DT_RELACOUNT}, scalar @relative) if exists $entry_at{$DT_RELACOUNT};
if ($value{$DT_JMPREL}) {
  my $plt = file_offset($value{$DT_JMPREL}) // die "prelink: the PLT relocations of $in are not in the file\n";
  $move->($plt + $_ * 24) for 0 .. $value{$DT_PLTRELSZ} / 24 - 1;
}

# Sections: allocated ones move; defined dynamic symbols move, except thread-local ones (an offset).
for my $index (0 .. $shnum - 1) {
  my $at = $shoff + $index * $shentsize;
  my ($sh_type, $sh_flags, $sh_addr, $sh_offset, $sh_size) = unpack('x4 V Q< Q< Q< Q<', substr($elf, $at, 40));
  $move->($at + 16) if $sh_flags & 2;
  next unless $sh_type == 11;    # SHT_DYNSYM
  for (my $symbol = $sh_offset; $symbol + 24 <= $sh_offset + $sh_size; $symbol += 24) {
    my ($info, $section) = unpack('x4 C x v', substr($elf, $symbol, 8));
    $move->($symbol + 8) if $section != 0 && $section != 0xfff1 && ($info & 0xf) != 6;
  }
}

open(my $target, '>:raw', $out) or die "prelink: cannot write $out: $!\n";
print $target $elf or die "prelink: cannot write $out: $!\n";
close $target or die "prelink: cannot write $out: $!\n";
chmod 0755, $out;
