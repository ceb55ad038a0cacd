"use client";
// What a tenant page shows when it fails to render (bad stored data, a dependency down):
// the error boundary of the tenant shell and of each section (their error.tsx) render
// this in place of the page, so the admin keeps a way around: try again, the section's
// index, the dashboard, and signing out. The reference is Next's digest of the error,
// which the server log carries too; the error's text is never shown.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { startTransition } from "react";
import { SignOutButton } from "./sign-out-button";

export function ErrorPanel({ error, reset, section }: { error: Error & { digest?: string }; reset: () => void; section?: { href: string; label: string } }) {
  const router = useRouter();
  const retry = () =>
    startTransition(() => {
      router.refresh();
      reset();
    });
  return (
    <div className="mx-auto max-w-5xl px-4 py-12 sm:px-6" data-testid="error-boundary">
      <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-5 text-red-900">
        <h1 className="text-xl font-semibold">This page could not be shown</h1>
        <p className="mt-2 text-sm">
          Something went wrong while preparing it. Nothing was changed. Try again; if it keeps failing, the rest of the workspace still works.
        </p>
        {error.digest ? (
          <p className="mt-2 text-xs text-red-800" data-testid="error-reference">
            Reference for support: <span className="font-mono">{error.digest}</span>
          </p>
        ) : null}
        <div className="mt-4 flex flex-wrap items-center gap-3">
          <button
            type="button"
            onClick={retry}
            className="rounded-md bg-red-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-800 focus:outline-none focus:ring-2 focus:ring-red-300"
          >
            Try again
          </button>
          {section ? (
            <Link href={section.href} className="text-sm font-medium underline" data-testid="error-section-link">
              {section.label}
            </Link>
          ) : null}
          <Link href="/" className="text-sm font-medium underline" data-testid="error-home-link">
            Dashboard
          </Link>
          <SignOutButton />
        </div>
      </div>
    </div>
  );
}
