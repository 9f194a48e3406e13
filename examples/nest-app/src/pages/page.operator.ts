import type { V1ConfigMap } from '@kubernetes/client-node';
import { IsOptional, IsString, MinLength } from 'class-validator';
import {
  Child,
  type ChildRef,
  customResource,
  Operator,
  Sync,
  type SyncRequest,
  type SyncResponse,
} from 'operon';
import { ConfigMap } from 'operon/types';

export class PageSpec {
  @IsString() @MinLength(1) title!: string;
  @IsOptional() @IsString() body?: string;
}

export const Page = customResource<PageSpec>({
  group: 'nest.example.com',
  version: 'v1alpha1',
  kind: 'Page',
  spec: PageSpec,
});

/**
 * Renders a Page into `index.html` in a ConfigMap `<name>-page`, ready to mount into a web server.
 * It owns ConfigMaps like the Greeting operator does: the process keeps one ConfigMap watch for both.
 */
@Operator({ parent: Page })
export class PageOperator {
  @Child(ConfigMap) html!: ChildRef<V1ConfigMap>;

  @Sync()
  sync(req: SyncRequest<PageSpec>): SyncResponse {
    const { title, body = '' } = req.parent.spec;
    const name = `${req.parent.metadata.name}-page`;
    const document = `<!doctype html>\n<title>${escapeHtml(title)}</title>\n<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(body)}</p>\n`;
    return {
      children: [this.html.desired({ metadata: { name }, data: { 'index.html': document } })],
      status: { configMap: name },
    };
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
