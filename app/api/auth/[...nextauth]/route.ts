// next-auth's own endpoints (session, csrf, sign-out) on each tenant's host.
import type { NextRequest } from "next/server";
import { nextAuth } from "@/lib/auth/next-auth";

export const GET = (request: NextRequest) => nextAuth().handlers.GET(request);
export const POST = (request: NextRequest) => nextAuth().handlers.POST(request);
