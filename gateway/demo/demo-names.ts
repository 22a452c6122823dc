/**
 * Names for the demo ward's patients. Two patients with the same name on one ward are a classic
 * identification hazard, so even the demo never repeats one: given and family names come from
 * lists of coprime lengths (32 and 31), which pair up differently for 992 beds in a row; beyond
 * that a middle initial keeps them apart.
 */
const GIVEN = [
  'Ada', 'Alan', 'Grace', 'Edsger', 'Barbara', 'Donald', 'Frances', 'John', 'Margaret', 'Dennis', 'Radia', 'Ken',
  'Hedy', 'Claude', 'Katherine', 'Tim', 'Sophie', 'Niklaus', 'Adele', 'Tony', 'Jean', 'Leslie', 'Shafi', 'Butler',
  'Joan', 'Robin', 'Lynn', 'Whitfield', 'Evelyn', 'Fernando', 'Annie', 'Peter',
];
const FAMILY = [
  'Lovelace', 'Turing', 'Hopper', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Backus', 'Hamilton', 'Ritchie', 'Perlman',
  'Thompson', 'Lamarr', 'Shannon', 'Johnson', 'Berners-Lee', 'Wilson', 'Wirth', 'Goldberg', 'Hoare', 'Sammet',
  'Lamport', 'Goldwasser', 'Lampson', 'Clarke', 'Milner', 'Conway', 'Diffie', 'Berg', 'Corbato', 'Easley',
];

/** The name of the demo ward's patient in bed `bed` (1-based). */
export function demoPatientName(bed: number): string {
  const i = bed - 1;
  const given = GIVEN[i % GIVEN.length]!;
  const family = FAMILY[i % FAMILY.length]!;
  const round = Math.floor(i / (GIVEN.length * FAMILY.length));
  return round === 0 ? `${given} ${family}` : `${given} ${String.fromCharCode(64 + ((round - 1) % 26) + 1)}. ${family}`;
}
