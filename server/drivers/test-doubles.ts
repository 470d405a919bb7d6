/**
 * Test doubles for driver roles: a driver that never answers (a hung host), recording the signal
 * of every call so a test can check that a cancel or a deadline reached it.
 */
import type { CallOptions } from './call';

export interface HungCall {
  method: string;
  signal: AbortSignal;
}

/**
 * A role implementation whose every method returns a promise that never settles, except the
 * methods `answering` (a working driver) is asked to answer.
 */
export function neverAnswering<T extends object>(
  connector: string,
  answering?: { driver: T; methods: (keyof T & string)[] },
): { driver: T; calls: HungCall[] } {
  const calls: HungCall[] = [];
  const driver = new Proxy({ connector } as object, {
    get(target, property) {
      if (property === 'connector') return connector;
      if (typeof property !== 'string' || property === 'then') return Reflect.get(target, property);
      if (answering?.methods.includes(property as keyof T & string)) {
        const method = Reflect.get(answering.driver, property) as (...args: unknown[]) => unknown;
        return method.bind(answering.driver);
      }
      return (...args: unknown[]) => {
        const options = args.at(-1) as CallOptions;
        calls.push({ method: property, signal: options.signal });
        return new Promise(() => {});
      };
    },
  }) as T;
  return { driver, calls };
}
