/**
 * The UDP datagrams of a classic libpcap capture (not pcapng), for replaying captured SNMP to a
 * receiver. Link types: Ethernet (with VLAN tags), BSD loopback (NULL and LOOP), Linux cooked
 * (SLL, SLL2) and raw IPv4/IPv6. A packet cut short by the snap length keeps the bytes captured;
 * non-first IPv4 fragments and non-UDP packets are skipped.
 */

export interface UdpDatagram {
  /** 0-based index of the packet in the capture. */
  packet: number;
  srcAddress: string;
  srcPort: number;
  dstAddress: string;
  dstPort: number;
  payload: Buffer;
}

const LINKTYPE_NULL = 0;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LOOP = 108;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_IPV4 = 228;
const LINKTYPE_IPV6 = 229;
const LINKTYPE_LINUX_SLL2 = 276;
/** DLT_RAW as some systems number it. */
const DLT_RAW = new Set([12, 14]);

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = new Set([0x8100, 0x88a8, 0x9100]);
/** BSD AF_INET6 differs per OS: Linux/NetBSD 24, FreeBSD 28, macOS 30 (AF_INET is 2 on all). */
const AF_INET6 = new Set([10, 24, 28, 30]);

const IPPROTO_UDP = 17;
const IPV6_EXTENSION_HEADERS = new Set([0, 43, 60]);
const IPV6_FRAGMENT = 44;

export function readPcapUdp(file: Buffer): UdpDatagram[] {
  if (file.length < 24) throw new Error(`pcap: ${file.length} bytes, shorter than its header`);
  const magic = file.readUInt32LE(0);
  let littleEndian: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) littleEndian = true;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) littleEndian = false;
  else if (magic === 0x0a0d0d0a) throw new Error('pcap: pcapng is not supported');
  else throw new Error(`pcap: unknown magic 0x${magic.toString(16)}`);
  const u32 = (offset: number): number =>
    littleEndian ? file.readUInt32LE(offset) : file.readUInt32BE(offset);
  // The upper bits of the link-type field carry FCS information (pcap spec, LinkType).
  const linkType = u32(20) & 0xffff;
  const datagrams: UdpDatagram[] = [];
  let offset = 24;
  for (let packet = 0; offset + 16 <= file.length; packet += 1) {
    const captured = u32(offset + 8);
    const start = offset + 16;
    const frame = file.subarray(start, Math.min(start + captured, file.length));
    offset = start + captured;
    const ip = ipOfFrame(frame, linkType, littleEndian);
    const udp = ip ? udpOfIp(ip) : null;
    if (udp) datagrams.push({ packet, ...udp });
  }
  return datagrams;
}

/** The IP packet a link-layer frame carries, or null when it carries something else. */
function ipOfFrame(frame: Buffer, linkType: number, littleEndian: boolean): Buffer | null {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return ethernetPayload(frame);
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      if (frame.length < 4) return null;
      // NULL: the family in the capturing host's byte order; LOOP: always network order.
      const family =
        linkType === LINKTYPE_LOOP || !littleEndian ? frame.readUInt32BE(0) : frame.readUInt32LE(0);
      return family === 2 || AF_INET6.has(family) ? frame.subarray(4) : null;
    }
    case LINKTYPE_LINUX_SLL:
      return frame.length >= 16 ? byEthertype(frame.readUInt16BE(14), frame.subarray(16)) : null;
    case LINKTYPE_LINUX_SLL2:
      return frame.length >= 20 ? byEthertype(frame.readUInt16BE(0), frame.subarray(20)) : null;
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      return frame;
    default:
      if (DLT_RAW.has(linkType)) return frame;
      throw new Error(`pcap: link type ${linkType} is not supported`);
  }
}

function ethernetPayload(frame: Buffer): Buffer | null {
  let offset = 12;
  while (offset + 2 <= frame.length) {
    const type = frame.readUInt16BE(offset);
    if (!ETHERTYPE_VLAN.has(type)) return byEthertype(type, frame.subarray(offset + 2));
    offset += 4;
  }
  return null;
}

function byEthertype(type: number, payload: Buffer): Buffer | null {
  return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? payload : null;
}

type Udp = Omit<UdpDatagram, 'packet'>;

function udpOfIp(ip: Buffer): Udp | null {
  if (ip.length < 1) return null;
  const version = ip[0]! >> 4;
  if (version === 4) return udpOfIpv4(ip);
  if (version === 6) return udpOfIpv6(ip);
  return null;
}

function udpOfIpv4(ip: Buffer): Udp | null {
  if (ip.length < 20) return null;
  const headerBytes = (ip[0]! & 0x0f) * 4;
  const fragmentOffset = ip.readUInt16BE(6) & 0x1fff;
  if (ip[9] !== IPPROTO_UDP || fragmentOffset !== 0 || headerBytes < 20) return null;
  const totalLength = ip.readUInt16BE(2);
  const packet = ip.subarray(0, Math.max(headerBytes, Math.min(totalLength, ip.length)));
  const address = (at: number): string => [...ip.subarray(at, at + 4)].join('.');
  return udpOf(packet.subarray(headerBytes), address(12), address(16));
}

function udpOfIpv6(ip: Buffer): Udp | null {
  if (ip.length < 40) return null;
  const payloadLength = ip.readUInt16BE(4);
  const packet = ip.subarray(0, Math.min(40 + payloadLength, ip.length));
  let next = ip[6]!;
  let offset = 40;
  while (next !== IPPROTO_UDP) {
    if (offset + 8 > packet.length) return null;
    if (next === IPV6_FRAGMENT) {
      if ((packet.readUInt16BE(offset + 2) & 0xfff8) !== 0) return null;
      next = packet[offset]!;
      offset += 8;
    } else if (IPV6_EXTENSION_HEADERS.has(next)) {
      const length = (packet[offset + 1]! + 1) * 8;
      next = packet[offset]!;
      offset += length;
    } else {
      return null;
    }
  }
  return udpOf(
    packet.subarray(offset),
    ipv6Text(ip.subarray(8, 24)),
    ipv6Text(ip.subarray(24, 40)),
  );
}

function udpOf(segment: Buffer, srcAddress: string, dstAddress: string): Udp | null {
  if (segment.length < 8) return null;
  const length = segment.readUInt16BE(4);
  // A length below the header's own 8 bytes is broken: keep what was captured.
  const end = length >= 8 ? Math.min(length, segment.length) : segment.length;
  return {
    srcAddress,
    srcPort: segment.readUInt16BE(0),
    dstAddress,
    dstPort: segment.readUInt16BE(2),
    payload: Buffer.from(segment.subarray(8, end)),
  };
}

function ipv6Text(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return groups.join(':');
}
