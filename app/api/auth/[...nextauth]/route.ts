// next-auth's own endpoints (session, csrf, sign-out) on each tenant's host.
import type { NextRequest } from "next/server";
import { nextAuth } from "@/lib/auth/next-auth";
import { withObservation } from "@/lib/observability/http";

export const GET = withObservation("/api/auth/[...nextauth]", (request) => nextAuth().handlers.GET(request as NextRequest));
export const POST = withObservation("/api/auth/[...nextauth]", (request) => nextAuth().handlers.POST(request as NextRequest));
