// A library lookup on a page: its not_found (no such id in this tenant's schema, or not
// a uuid) becomes the 404 page; any other error stays an error.
import { notFound } from "next/navigation";
import { AppError } from "@/lib/errors/app-error";

export async function orNotFound<T>(lookup: Promise<T>): Promise<T> {
  try {
    return await lookup;
  } catch (err) {
    if (err instanceof AppError && err.code === "not_found") notFound();
    throw err;
  }
}
