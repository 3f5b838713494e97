using Signaling.Contracts;

namespace Signaling.Hub.Common;

/// <summary>
/// The HTTP side of error mapping: a <see cref="RefusalException"/> becomes RFC 7807 problem
/// details carrying the protocol code (the hub side is <c>HubErrorFilter</c>).
/// </summary>
public sealed class ProblemDetailsFilter(Outages outages) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (RefusalException ex)
        {
            return Problem(ex.Code, ex.Message);
        }
        catch (Exception ex) when (outages.AsRefusal(ex) is { } outage)
        {
            return Problem(outage.Code, outage.Message);
        }
    }

    public static IResult Problem(string code, string detail) => TypedResults.Problem(
        detail: detail,
        statusCode: StatusFor(code),
        title: code,
        type: $"urn:signaling:error:{code}",
        extensions: new Dictionary<string, object?> { ["code"] = code });

    public static int StatusFor(string code) => code switch
    {
        ErrorCodes.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorCodes.Forbidden => StatusCodes.Status403Forbidden,
        ErrorCodes.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorCodes.RateLimited => StatusCodes.Status429TooManyRequests,
        ErrorCodes.RoomNotFound or ErrorCodes.PeerNotFound or ErrorCodes.ClientNotFound or ErrorCodes.RequestNotFound
            => StatusCodes.Status404NotFound,
        ErrorCodes.RoomFull or ErrorCodes.QueueFull or ErrorCodes.NotInRoom => StatusCodes.Status409Conflict,
        ErrorCodes.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status400BadRequest,
    };

    /// <summary>Codes for responses the framework produces itself (bad JSON, missing token, unknown route).</summary>
    public static string? CodeForStatus(int status) => status switch
    {
        StatusCodes.Status400BadRequest => ErrorCodes.InvalidArgument,
        StatusCodes.Status401Unauthorized => ErrorCodes.Unauthorized,
        StatusCodes.Status403Forbidden => ErrorCodes.Forbidden,
        StatusCodes.Status413PayloadTooLarge => ErrorCodes.PayloadTooLarge,
        StatusCodes.Status429TooManyRequests => ErrorCodes.RateLimited,
        _ => null,
    };
}

public static class ProblemDetailsSetup
{
    public static WebApplicationBuilder AddSignalingProblemDetails(this WebApplicationBuilder builder)
    {
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.AddSingleton<Outages>();
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var extensions = context.ProblemDetails.Extensions;
            if (!extensions.ContainsKey("code")
                && CodeForStatus(context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode) is { } code)
            {
                extensions["code"] = code;
                context.ProblemDetails.Type = $"urn:signaling:error:{code}";
            }
        });
        return builder;
    }

    private static string? CodeForStatus(int status) => ProblemDetailsFilter.CodeForStatus(status);

    /// <summary>Status-code-only answers (401 from authentication, 400 from binding) get a problem body too.</summary>
    public static WebApplication UseSignalingProblemDetails(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }
}

/// <summary>Malformed request bodies are the caller's fault: 400 with INVALID_ARGUMENT, not a 500.</summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : Microsoft.AspNetCore.Diagnostics.IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        var code = ProblemDetailsFilter.CodeForStatus(bad.StatusCode) ?? ErrorCodes.InvalidArgument;
        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails =
            {
                Status = bad.StatusCode,
                Title = code,
                Detail = "the request body could not be read: check its JSON shape and types",
                Type = $"urn:signaling:error:{code}",
                Extensions = { ["code"] = code },
            },
        });
    }
}
