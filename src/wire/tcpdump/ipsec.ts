/** tcpdump's AH, ESP and IPComp headers, without decryption or decompression (tcpdump 4.99.3 print-ah.c, print-esp.c with no -E secret, print-ipcomp.c). */

import { AH_ICV, AH_PAYLOAD_LEN, AH_RESERVED, AH_SEQ, AH_SPI } from '../ah.js';
import { ESP_HEADER_LENGTH, ESP_SEQ, ESP_SPI } from '../esp.js';
import { hex, type Nd } from './netdissect.js';

/** ah_print: `AH([length=..(..-bytes),]spi=0x..,seq=0x..,icv=0x..): `; returns the header's length. */
export function printAh(nd: Nd, bp: number): number {
  nd.protocol = 'ah';
  nd.printProtocolCaps();
  // RFC 4302 section 2.2: the length is in 32-bit words, minus 2.
  const ahLen = nd.u8(bp + AH_PAYLOAD_LEN);
  const ahHdrLen = (ahLen + 2) * 4;
  nd.print('(');
  if (nd.vflag) nd.print(`length=${ahLen}(${ahHdrLen}-bytes),`);
  const reserved = nd.be16(bp + AH_RESERVED);
  if (reserved) nd.print(`reserved=0x${reserved.toString(16)}[MustBeZero],`);
  nd.print(`spi=0x${hex(nd.be32(bp + AH_SPI), 8)},`);
  nd.print(`seq=0x${nd.be32(bp + AH_SEQ).toString(16)},`);
  nd.print('icv=0x');
  for (let p = bp + AH_ICV; p < bp + ahHdrLen; p++) nd.print(hex(nd.u8(p), 2));
  nd.print('): ');
  return ahHdrLen;
}

/** esp_print: `ESP(spi=0x..,seq=0x..), length N`; the payload stays opaque. */
export function printEsp(nd: Nd, bp: number, length: number): void {
  nd.protocol = 'esp';
  // tcpdump wants at least one byte past the 8-byte header.
  if (bp + ESP_HEADER_LENGTH >= nd.snapend) {
    nd.printTrunc();
    return;
  }
  nd.print(`ESP(spi=0x${hex(nd.be32(bp + ESP_SPI), 8)}`);
  nd.print(`,seq=0x${nd.be32(bp + ESP_SEQ).toString(16)})`);
  nd.print(`, length ${length}`);
}

/** ipcomp_print: `IPComp(cpi=0x..)`; the compressed payload stays opaque. */
export function printIpcomp(nd: Nd, bp: number): void {
  nd.protocol = 'ipcomp';
  // RFC 3173 section 2.2: next header, flags, then the 16-bit CPI.
  nd.print(`IPComp(cpi=0x${hex(nd.be16(bp + 2), 4)})`);
}
