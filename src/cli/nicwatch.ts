#!/usr/bin/env -S node --openssl-legacy-provider
// The legacy provider is what OpenSSL 3 keeps DES in; SNMPv3 DES privacy needs it.
import { runProgram } from './program';
import { packageVersion } from '../version';

void runProgram(process.argv.slice(2), packageVersion());
