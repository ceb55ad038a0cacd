import { guardedLayout } from "../_components/guarded-layout";

export const dynamic = "force-dynamic";
export default guardedLayout(null, { allowMfaSetup: true });
