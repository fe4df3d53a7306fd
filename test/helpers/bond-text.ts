/** `/proc/net/bonding` text of an active-backup bond, for labs whose servers have no bonding module. */
export function bondText(active: string | null, legs: Record<string, 'up' | 'down'>): string {
  const slaves = Object.entries(legs)
    .map(
      ([name, mii]) =>
        `\nSlave Interface: ${name}\nMII Status: ${mii}\nSpeed: 10000 Mbps\nDuplex: full\nLink Failure Count: 0\nPermanent HW addr: 52:54:00:00:00:0${name.slice(-1)}\nSlave queue ID: 0\n`,
    )
    .join('');
  return `Ethernet Channel Bonding Driver: 6.1.0-26-amd64\n\nBonding Mode: fault-tolerance (active-backup)\nPrimary Slave: None\nCurrently Active Slave: ${active ?? 'None'}\nMII Status: up\nMII Polling Interval (ms): 100\nUp Delay (ms): 0\nDown Delay (ms): 0\n${slaves}`;
}
