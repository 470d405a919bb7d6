// Types of next.config.mjs for the test that keeps its header list equal to server/edge.ts.
import type { NextConfig } from 'next';

declare const nextConfig: NextConfig;
export default nextConfig;
export declare const NEXT_SECURITY_HEADERS: Record<string, string>;
