#!/usr/bin/env -S node --openssl-legacy-provider
// The legacy provider is what OpenSSL 3 keeps DES in; SNMPv3 DES privacy needs it.
/** `check_nicwatch ARGS` is `nicwatch check ARGS`, the name Nagios users look for. */
import { runProgram } from './program';
import { packageVersion } from '../version';

void runProgram(['check', ...process.argv.slice(2)], packageVersion());
