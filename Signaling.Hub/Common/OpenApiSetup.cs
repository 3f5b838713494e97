using Microsoft.AspNetCore.OutputCaching;

namespace Signaling.Hub.Common;

/// <summary>The OpenAPI document of every HTTP route, at <c>/openapi/v1.json</c>.</summary>
public static class OpenApiSetup
{
    private const string CachePolicy = "openapi-document";

    public static WebApplicationBuilder AddSignalingOpenApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Signaling";
            document.Info.Description = "WebRTC signaling service: rooms, files, ICE servers. The hub at /hubs/signaling is described by Signaling.Contracts.";
            return Task.CompletedTask;
        }));
        // Building the document walks every endpoint's metadata (11-15 ms of CPU for 43 KB): an
        // anonymous route cannot cost that per request, so it is built once and served from memory.
        builder.Services.AddOutputCache(options => options.AddPolicy(CachePolicy, new SameForEveryCaller()));
        return builder;
    }

    public static WebApplication UseSignalingOpenApi(this WebApplication app)
    {
        app.UseOutputCache();
        return app;
    }

    public static IEndpointRouteBuilder MapSignalingOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi().AllowAnonymous().CacheOutput(CachePolicy);
        return app;
    }

    /// <summary>
    /// The default output-cache policy neither stores nor serves responses for requests that carry
    /// an <c>Authorization</c> header or cookies, so any caller could bypass the cache by adding one.
    /// The document is the same whoever asks, so this policy caches it for all of them; the process
    /// never changes its routes, so one copy lasts as long as the cache keeps it.
    /// </summary>
    private sealed class SameForEveryCaller : IOutputCachePolicy
    {
        public ValueTask CacheRequestAsync(OutputCacheContext context, CancellationToken cancellation)
        {
            var method = context.HttpContext.Request.Method;
            var readOnly = HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
            context.EnableOutputCaching = true;
            context.AllowCacheLookup = readOnly;
            context.AllowCacheStorage = readOnly;
            // Concurrent first requests wait for one build instead of each building the document.
            context.AllowLocking = true;
            context.ResponseExpirationTimeSpan = TimeSpan.FromDays(1);
            return ValueTask.CompletedTask;
        }

        public ValueTask ServeFromCacheAsync(OutputCacheContext context, CancellationToken cancellation) => ValueTask.CompletedTask;

        public ValueTask ServeResponseAsync(OutputCacheContext context, CancellationToken cancellation)
        {
            if (context.HttpContext.Response.StatusCode != StatusCodes.Status200OK)
            {
                context.AllowCacheStorage = false;
            }

            return ValueTask.CompletedTask;
        }
    }
}
