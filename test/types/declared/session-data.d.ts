// The augmentation an app writes, exactly as express-session users write theirs.
import 'nest-sessions';

declare module 'nest-sessions' {
  interface SessionData {
    userId?: string;
    visits?: number;
    cart: { sku: string; qty: number }[];
  }
}
