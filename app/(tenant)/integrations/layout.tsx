import { guardedLayout } from "../_components/guarded-layout";

export const dynamic = "force-dynamic";
export default guardedLayout("integrations:read");
