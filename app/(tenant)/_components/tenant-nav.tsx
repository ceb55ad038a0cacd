"use client";
// The signed-in header navigation: the pages the principal may open (the current one
// marked), who they are, and sign-out. From the `sm` breakpoint up it is one row; below
// it, one "Menu" button opens it as a list under the header, so nothing runs off a phone's
// screen. One list either way (one sign-out button in the page).
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useState } from "react";
import type { NavItem } from "./tenant-shell";
import { SignOutButton } from "./sign-out-button";

export function TenantNav({ items, email }: { items: NavItem[]; email: string }) {
  const pathname = usePathname();
  const [open, setOpen] = useState(false);
  const current = (href: string) => pathname === href || pathname.startsWith(`${href}/`);
  return (
    <div className="flex w-full flex-col items-end sm:w-auto">
      <button
        type="button"
        className="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-700 sm:hidden"
        aria-expanded={open}
        aria-controls="tenant-nav-list"
        onClick={() => setOpen((o) => !o)}
        data-testid="menu-button"
      >
        {open ? "Close menu" : "Menu"}
      </button>
      <div
        id="tenant-nav-list"
        className={`${open ? "flex" : "hidden"} mt-3 w-full flex-col gap-3 border-t border-slate-200 pt-3 sm:mt-0 sm:flex sm:w-auto sm:flex-row sm:items-center sm:gap-4 sm:border-0 sm:pt-0`}
      >
        {items.map((item) => (
          <Link
            key={item.href}
            href={item.href}
            data-testid={`header-${item.testId}`}
            onClick={() => setOpen(false)}
            aria-current={current(item.href) ? "page" : undefined}
            className={current(item.href) ? "font-semibold text-indigo-700 underline decoration-2 underline-offset-4" : "hover:text-slate-900 hover:underline"}
          >
            {item.label}
          </Link>
        ))}
        <span className="max-w-[16rem] truncate text-slate-500" title={email} data-testid="header-user">
          {email}
        </span>
        <SignOutButton />
      </div>
    </div>
  );
}
