/**
 * Findings kept as their rule, severity and the facts they name, worded when first read.
 *
 * Whole-estate evaluation makes a few findings per VM (about 15,000 on 10,000 generated VMs), most
 * of them about a volume the VM shares: its shadow storage, its LUNs, the VMs captured with it. Their
 * sentences were about a tenth of the bytes an evaluation allocates, and every one that survived a
 * young-generation collection was copied, while assessments are counted, filtered and stored long
 * before anyone reads a sentence. A LazilyWordedFinding keeps the rule's wording functions (one
 * constant object per rule) and up to three of the facts they name (shared inventory objects and
 * lists, not copies), and words `message`, `remedy` and `objects` on first read, then keeps them.
 *
 * The three stay own, enumerable properties (accessors shared by every such finding, defined in the
 * constructor after `methods`), so JSON.stringify, spreads, structuredClone and deep equality see
 * the plain finding they saw before, key for key and in the same order. Assigning one replaces it.
 * The facts must not change after the finding is made: they are the estate's frozen shared values.
 */
import type { BackupMethod, Finding, ObjectRef, RuleId, Severity } from '../types';

/** How one rule words its finding from the facts it was given. One constant object per rule. */
export interface FindingWords<A, B, C> {
  message(a: A, b: B, c: C): string;
  remedy(a: A, b: B, c: C): string;
  objects(a: A, b: B, c: C): ObjectRef[];
}

export class LazilyWordedFinding<A = unknown, B = unknown, C = unknown> implements Finding {
  ruleId: RuleId;
  severity: Severity;
  vmId: string | null;
  methods: BackupMethod[];
  declare message: string;
  declare remedy: string;
  declare objects: ObjectRef[];
  readonly #words: FindingWords<A, B, C>;
  readonly #a: A;
  readonly #b: B;
  readonly #c: C;
  #message: string | undefined;
  #remedy: string | undefined;
  #objects: ObjectRef[] | undefined;

  constructor(
    ruleId: RuleId,
    severity: Severity,
    vmId: string | null,
    methods: BackupMethod[],
    words: FindingWords<A, B, C>,
    a: A,
    b: B,
    c: C,
  ) {
    this.ruleId = ruleId;
    this.severity = severity;
    this.vmId = vmId;
    this.methods = methods;
    this.#words = words;
    this.#a = a;
    this.#b = b;
    this.#c = c;
    this.#message = undefined;
    this.#remedy = undefined;
    this.#objects = undefined;
    // In the plain finding's key order: ruleId, severity, vmId, methods, message, remedy, objects.
    Object.defineProperty(this, 'message', LazilyWordedFinding.#messageProperty);
    Object.defineProperty(this, 'remedy', LazilyWordedFinding.#remedyProperty);
    Object.defineProperty(this, 'objects', LazilyWordedFinding.#objectsProperty);
  }

  static readonly #messageProperty: PropertyDescriptor = {
    enumerable: true,
    configurable: true,
    get(this: LazilyWordedFinding): string {
      this.#message ??= this.#words.message(this.#a, this.#b, this.#c);
      return this.#message;
    },
    set(this: LazilyWordedFinding, message: string): void {
      this.#message = message;
    },
  };

  static readonly #remedyProperty: PropertyDescriptor = {
    enumerable: true,
    configurable: true,
    get(this: LazilyWordedFinding): string {
      this.#remedy ??= this.#words.remedy(this.#a, this.#b, this.#c);
      return this.#remedy;
    },
    set(this: LazilyWordedFinding, remedy: string): void {
      this.#remedy = remedy;
    },
  };

  static readonly #objectsProperty: PropertyDescriptor = {
    enumerable: true,
    configurable: true,
    get(this: LazilyWordedFinding): ObjectRef[] {
      this.#objects ??= this.#words.objects(this.#a, this.#b, this.#c);
      return this.#objects;
    },
    set(this: LazilyWordedFinding, objects: ObjectRef[]): void {
      this.#objects = objects;
    },
  };
}
