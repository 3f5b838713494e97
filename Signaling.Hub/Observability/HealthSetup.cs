using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Signaling.Hub.Observability;

public static class HealthSetup
{
    /// <summary>Checks with this tag decide <c>/health/ready</c>; infrastructure adds its own.</summary>
    public const string ReadyTag = "ready";

    public static WebApplicationBuilder AddSignalingHealthChecks(this WebApplicationBuilder builder)
    {
        // Infrastructure registers the checks of what it brings (store, Redis) with ReadyTag.
        builder.Services.AddHealthChecks();
        // The health check middleware is not a route handler, so the OpenAPI generator cannot see these two routes.
        builder.Services.Configure<OpenApiOptions>("v1", options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Paths ??= [];
            document.Paths["/health/live"] = Probe(document, "Liveness: 200 while the process serves requests; runs no dependency check", unhealthy: false);
            document.Paths["/health/ready"] = Probe(document, "Readiness: 200 while the store and, with Redis, the backplane answer; else 503", unhealthy: true);
            return Task.CompletedTask;
        }));
        return builder;
    }

    public static IEndpointRouteBuilder MapSignalingHealthChecks(this IEndpointRouteBuilder app)
    {
        // Liveness runs no dependency check: a store outage must not get the process restarted.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag) }).AllowAnonymous();
        return app;
    }

    private static OpenApiPathItem Probe(OpenApiDocument document, string summary, bool unhealthy)
    {
        static OpenApiResponse Text(string description) => new()
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["text/plain"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
        };

        var responses = new OpenApiResponses { ["200"] = Text("`Healthy` (or `Degraded`)") };
        if (unhealthy)
        {
            responses["503"] = Text("`Unhealthy`");
        }

        return new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new()
                {
                    Summary = summary,
                    Tags = new HashSet<OpenApiTagReference> { new("Operations", document) },
                    Responses = responses,
                },
            },
        };
    }
}
